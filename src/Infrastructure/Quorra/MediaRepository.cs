using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Speaking.Application.Quorra.Media;

namespace Speaking.Infrastructure.Quorra;

/// <summary>
/// Media entries, and uploaded files as bytea in a table of their own (so any node can serve them, and listing
/// never reads them). Files are streamed in from the upload and streamed out to the response.
/// </summary>
internal sealed class MediaRepository(NpgsqlDataSource db) : IMediaRepository
{
    private const string Columns = "id, user_id, title, type, url, duration, tags, file_name, file_content_type, file_size, created_at";

    public async Task AddAsync(MediaView media, Stream? file, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quorra_media (id, user_id, title, type, url, duration, tags, file_name, file_content_type, file_size, created_at)
            VALUES (@Id, @User, @Title, @Type, @Url, @Duration, @Tags, @FileName, @ContentType, @Size, @CreatedAt)
            """, new
        {
            media.Id, media.User, media.Title, media.Type, media.Url, media.Duration, Tags = media.Tags.ToArray(),
            FileName = media.File?.Name, media.File?.ContentType, media.File?.Size, media.CreatedAt,
        }, tx, cancellationToken: ct));

        if (file is not null)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO quorra_media_files (media_id, content) VALUES (@id, @content)", connection, tx);
            insert.Parameters.AddWithValue("id", media.Id);
            insert.Parameters.Add(new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = file });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<MediaView>> ListAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<MediaRow>(new CommandDefinition(
            $"SELECT {Columns} FROM quorra_media WHERE user_id = @userId ORDER BY created_at DESC, id DESC",
            new { userId }, cancellationToken: ct));
        return rows.Select(r => new MediaView(r.Id, r.UserId, r.Title, r.Type, r.Url, r.Duration, r.Tags,
            r.FileName is null ? null : new MediaFileInfo(r.FileName, r.FileContentType!, r.FileSize ?? 0), r.CreatedAt)).ToArray();
    }

    public async Task<MediaFileContent?> OpenFileAsync(Guid userId, Guid mediaId, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        NpgsqlCommand? command = null;
        NpgsqlDataReader? reader = null;
        try
        {
            command = new NpgsqlCommand("""
                SELECT m.file_content_type, m.file_size, m.file_name, f.content
                FROM quorra_media m JOIN quorra_media_files f ON f.media_id = m.id
                WHERE m.id = @id AND m.user_id = @userId
                """, connection);
            command.Parameters.AddWithValue("id", mediaId);
            command.Parameters.AddWithValue("userId", userId);
            reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct);
            if (!await reader.ReadAsync(ct))
            {
                await DisposeAllAsync(reader, command, connection);
                return null;
            }

            var contentType = reader.GetString(0);
            var size = reader.GetInt64(1);
            var name = reader.GetString(2);
            var stream = await reader.GetStreamAsync(3, ct);
            return new MediaFileContent(contentType, size, name, stream, new Owner(reader, command, connection));
        }
        catch
        {
            await DisposeAllAsync(reader, command, connection);
            throw;
        }
    }

    private static async ValueTask DisposeAllAsync(NpgsqlDataReader? reader, NpgsqlCommand? command, NpgsqlConnection connection)
    {
        if (reader is not null) await reader.DisposeAsync();
        if (command is not null) await command.DisposeAsync();
        await connection.DisposeAsync();
    }

    private sealed class Owner(NpgsqlDataReader reader, NpgsqlCommand command, NpgsqlConnection connection) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => DisposeAllAsync(reader, command, connection);
    }

    private sealed class MediaRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string? Title { get; init; }
        public string Type { get; init; } = "";
        public string Url { get; init; } = "";
        public double? Duration { get; init; }
        public string[] Tags { get; init; } = [];
        public string? FileName { get; init; }
        public string? FileContentType { get; init; }
        public long? FileSize { get; init; }
        public DateTime CreatedAt { get; init; }
    }
}
