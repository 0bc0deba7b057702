using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Speaking.Application.Users;
using Speaking.Domain.Users;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// Remembers users' records (for <see cref="Remember"/>) and the ordered list of online users, so authenticating a
/// request or a handshake, <c>GET /auth/me</c> and <c>GET /users?online_only=true</c> cost no database read. A trigger
/// on <c>users</c> announces every change (<c>pg_notify</c>, migration 0041), and <see cref="UserChangeListener"/>
/// on every node forgets that user, and the online list, at once; this node's own writes forget synchronously too
/// (<see cref="Repositories.UserRepository"/>). Nothing is remembered while the listener is not connected, and
/// everything is forgotten when it loses its connection, since a notification may have been missed.
/// <para>
/// A read that started before a change must not store what it read after the change was announced: every
/// forgetting advances <see cref="_generation"/>, and a read stores its answer only if the generation it started
/// with is still current. Concurrent requests for the online list share one read.
/// </para>
/// <para>
/// Each page of the online list also keeps its response body, written once with the HTTP serializer's own options
/// (<see cref="JsonOptions"/>), for as long as the list itself is kept: it is part of the list, so it is forgotten
/// exactly when the list is. A viewer on the page gets the same bytes with their own entry, the one with an email
/// (D-6), spliced in.
/// </para>
/// </summary>
public sealed class UserDirectory(NpgsqlDataSource db, IOptions<JsonOptions> json) : IUserDirectory
{
    public static readonly TimeSpan Remember = TimeSpan.FromSeconds(30);
    private const int MaxPages = 32; // (skip, limit) pairs kept per list; any other page is written per request
    private const string Columns = "id, email, username, current_level, target_score, is_online, last_seen, created_at";

    private readonly ConcurrentDictionary<Guid, Known> _known = new();
    private readonly Lock _gate = new();
    private long _generation;
    private volatile bool _listening;
    private volatile OnlineList? _online;
    private OnlineRead? _reading;

    public async Task<bool> ExistsAsync(Guid userId, CancellationToken ct) => await FindAsync(userId, ct) is not null;

    public async Task<UserView?> FindAsync(Guid userId, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (_listening && _known.TryGetValue(userId, out var known) && known.Until > now) return known.Own;

        var generation = Interlocked.Read(ref _generation);
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @userId", new { userId }, cancellationToken: ct));
        if (row is null)
        {
            _known.TryRemove(userId, out _);
            return null;
        }

        var own = row.View();
        if (_listening && Interlocked.Read(ref _generation) == generation)
        {
            _known[userId] = new Known(own, now + (long)Remember.TotalMilliseconds);
            if (_known.Count > 200_000) Prune(now);
        }

        return own;
    }

    public async Task<IReadOnlyList<UserView>> OnlinePageAsync(Guid viewer, int skip, int limit, CancellationToken ct)
    {
        var list = await OnlineAsync(ct);
        var options = json.Value.SerializerOptions;
        var page = list.Pages.TryGetValue((skip, limit), out var kept) ? kept : PageJson.Write(list.Entries, skip, limit, options);
        if (kept is null && list.Pages.Count < MaxPages) list.Pages.TryAdd((skip, limit), page);
        return page.For(viewer, options);
    }

    public void Forget(Guid userId)
    {
        Interlocked.Increment(ref _generation);
        _online = null;
        _known.TryRemove(userId, out _);
    }

    public void ForgetAll()
    {
        Interlocked.Increment(ref _generation);
        _online = null;
        _known.Clear();
    }

    /// <summary>Called by the listener: answers may be remembered only while every change is being heard.</summary>
    internal void Listening(bool listening)
    {
        _listening = listening;
        ForgetAll();
    }

    private Task<OnlineList> OnlineAsync(CancellationToken ct)
    {
        var generation = Interlocked.Read(ref _generation);
        if (_listening && _online is { } current && current.Generation == generation
            && current.Until > Environment.TickCount64) return Task.FromResult(current);

        Task<OnlineList> read;
        lock (_gate)
        {
            // Join a read only if it started after the latest change: it then sees everything this request must see.
            if (_reading is { } pending && pending.Generation == generation && !pending.Task.IsCompleted) read = pending.Task;
            else
            {
                read = ReadOnlineAsync(generation);
                _reading = new OnlineRead(generation, read);
            }
        }

        return read.WaitAsync(ct);
    }

    private async Task<OnlineList> ReadOnlineAsync(long generation)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<Row>($"SELECT {Columns} FROM users WHERE is_online ORDER BY created_at, id");
        var entries = rows.Select(r =>
        {
            var own = r.View();
            return new OnlineEntry(own, own with { Email = null });
        }).ToArray();
        var list = new OnlineList(generation, entries, Environment.TickCount64 + (long)Remember.TotalMilliseconds, new());
        if (_listening && Interlocked.Read(ref _generation) == generation) _online = list;
        return list;
    }

    private void Prune(long now)
    {
        foreach (var (id, known) in _known)
        {
            if (known.Until <= now) _known.TryRemove(id, out _);
        }
    }

    private sealed record Known(UserView Own, long Until);

    private sealed record OnlineEntry(UserView Own, UserView Public)
    {
        public byte[]? OwnJson; // written the first time this user asks for a page they are on
    }

    private sealed record OnlineList(long Generation, OnlineEntry[] Entries, long Until,
        ConcurrentDictionary<(int Skip, int Limit), PageJson> Pages);

    /// <summary>
    /// One page as everyone not on it sees it: the JSON array, and where each element starts. Compact JSON writes an
    /// array as <c>[</c>, its elements joined by <c>,</c>, and <c>]</c>, so the elements are written one at a time.
    /// </summary>
    private sealed class PageJson
    {
        private readonly OnlineEntry[] _entries;
        private readonly UserView[] _public;
        private readonly byte[] _bytes;
        private readonly int[] _starts; // element i is _bytes[_starts[i] .. _starts[i + 1] - 1); _starts[^1] = _bytes.Length
        private readonly OnlinePage _shared;

        private PageJson(OnlineEntry[] entries, byte[] bytes, int[] starts)
        {
            _entries = entries;
            _public = Array.ConvertAll(entries, e => e.Public);
            _bytes = bytes;
            _starts = starts;
            _shared = new OnlinePage(_public, [bytes]);
        }

        public static PageJson Write(OnlineEntry[] all, int skip, int limit, JsonSerializerOptions options)
        {
            var entries = all.AsSpan(Math.Min(skip, all.Length), Math.Max(0, Math.Min(limit, all.Length - skip))).ToArray();
            var elements = Array.ConvertAll(entries, e => JsonSerializer.SerializeToUtf8Bytes(e.Public, options));
            var bytes = new byte[2 + elements.Sum(e => e.Length) + Math.Max(0, elements.Length - 1)];
            var starts = new int[elements.Length + 1];
            var at = 0;
            bytes[at++] = (byte)'[';
            for (var i = 0; i < elements.Length; i++)
            {
                if (i > 0) bytes[at++] = (byte)',';
                starts[i] = at;
                elements[i].CopyTo(bytes, at);
                at += elements[i].Length;
            }

            bytes[at] = (byte)']';
            starts[^1] = bytes.Length;
            return new PageJson(entries, bytes, starts);
        }

        /// <summary>The page as <paramref name="viewer"/> sees it: the shared one, or theirs with their own entry (D-6).</summary>
        public OnlinePage For(Guid viewer, JsonSerializerOptions options)
        {
            var i = Array.FindIndex(_entries, e => e.Own.Id == viewer);
            if (i < 0) return _shared;

            var entry = _entries[i];
            var own = entry.OwnJson ??= JsonSerializer.SerializeToUtf8Bytes(entry.Own, options);
            var users = (UserView[])_public.Clone();
            users[i] = entry.Own;
            var before = _bytes.AsMemory(0, _starts[i]);
            var after = _bytes.AsMemory(_starts[i + 1] - 1);
            return new OnlinePage(users, [before, own, after]);
        }
    }

    private sealed record OnlineRead(long Generation, Task<OnlineList> Task);

    private sealed class Row
    {
        public Guid Id { get; init; }
        public string Email { get; init; } = "";
        public string Username { get; init; } = "";
        public double CurrentLevel { get; init; }
        public double TargetScore { get; init; }
        public bool IsOnline { get; init; }
        public DateTime LastSeen { get; init; }
        public DateTime CreatedAt { get; init; }

        public UserView View() => new(Id, Email, Username, CurrentLevel, TargetScore, IsOnline, LastSeen, CreatedAt);
    }
}

/// <summary>LISTEN speaking_user_changed: tells <see cref="UserDirectory"/> which users to forget.</summary>
public sealed class UserChangeListener(NpgsqlDataSource db, UserDirectory directory, ILogger<UserChangeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var id)) directory.Forget(id);
                    else directory.ForgetAll(); // a TRUNCATE
                };
                await using (var listen = new NpgsqlCommand("LISTEN speaking_user_changed", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                directory.Listening(true); // forgets anything changed while we were not listening
                delay = TimeSpan.FromSeconds(1);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                directory.Listening(false);
                return;
            }
            catch (Exception e)
            {
                directory.Listening(false);
                logger.LogDebug(e, "Listening for changed users failed; retrying in {Delay}", delay);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }
}
