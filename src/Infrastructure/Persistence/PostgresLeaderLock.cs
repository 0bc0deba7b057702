using System.Data;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Speaking.Application.Common;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// Leader locks on PostgreSQL session advisory locks: the lease is the holder's database connection, so a node
/// that dies (even kill -9) loses it as soon as the server sees the connection close, and another node's next
/// <c>pg_try_advisory_lock</c> wins. Works the same with one node and with many.
/// </summary>
public sealed class PostgresLeaderLocks(NpgsqlDataSource db) : ILeaderLocks
{
    public ILeaderLock For(string job) => new Lease(db, Key(job));

    private static long Key(string job) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("speaking-leader:" + job)), 0);

    private sealed class Lease(NpgsqlDataSource db, long key) : ILeaderLock
    {
        private NpgsqlConnection? _holder;

        public async Task<bool> HoldAsync(CancellationToken ct)
        {
            if (_holder is { State: ConnectionState.Open } held)
            {
                try
                {
                    await using var check = new NpgsqlCommand("SELECT 1", held);
                    await check.ExecuteScalarAsync(ct);
                    return true;
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    await ReleaseAsync();
                }
            }

            var connection = await db.OpenConnectionAsync(ct);
            try
            {
                await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
                take.Parameters.AddWithValue("key", key);
                if (await take.ExecuteScalarAsync(ct) is true)
                {
                    _holder = connection;
                    return true;
                }
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }

            await connection.DisposeAsync();
            return false;
        }

        public async Task ReleaseAsync()
        {
            var holder = Interlocked.Exchange(ref _holder, null);
            if (holder is null) return;
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", holder);
                release.Parameters.AddWithValue("key", key);
                await release.ExecuteScalarAsync();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
            }
            finally
            {
                await holder.DisposeAsync();
            }
        }

        public async ValueTask DisposeAsync() => await ReleaseAsync();
    }
}
