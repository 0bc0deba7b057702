using Dapper;
using Npgsql;
using Speaking.Application.Practice;
using Speaking.Domain.Practice;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>
/// Timed scripts in PostgreSQL, so any node can drive them: a due phase change is claimed by exactly one node with
/// <c>FOR UPDATE SKIP LOCKED</c> and written back in the same transaction.
/// </summary>
internal sealed class PracticeScriptRepository(NpgsqlDataSource db) : IPracticeScriptRepository
{
    private const string Columns = """
        session_id, first_speaker_id, second_speaker_id, started_at, part1_seconds, prepare_seconds, speak_seconds, part3_seconds,
        status, phase_index, next_phase_at
        """;

    public async Task<bool> TryStartAsync(PracticeScript script, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // A finished or stopped script of the session is replaced; a running one is not.
        return await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO practice_scripts ({Columns})
            VALUES (@SessionId, @FirstSpeakerId, @SecondSpeakerId, @StartedAt, @Part1Seconds, @PrepareSeconds, @SpeakSeconds, @Part3Seconds,
                    @Status, @PhaseIndex, @NextPhaseAt)
            ON CONFLICT (session_id) DO UPDATE SET
                first_speaker_id = EXCLUDED.first_speaker_id, second_speaker_id = EXCLUDED.second_speaker_id,
                started_at = EXCLUDED.started_at, part1_seconds = EXCLUDED.part1_seconds, prepare_seconds = EXCLUDED.prepare_seconds,
                speak_seconds = EXCLUDED.speak_seconds, part3_seconds = EXCLUDED.part3_seconds, status = EXCLUDED.status,
                phase_index = EXCLUDED.phase_index, next_phase_at = EXCLUDED.next_phase_at
            WHERE practice_scripts.status <> 'running'
            """, Parameters(script), cancellationToken: ct)) == 1;
    }

    public async Task<PracticeScript?> GetAsync(Guid sessionId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<ScriptRow>(new CommandDefinition(
            $"SELECT {Columns} FROM practice_scripts WHERE session_id = @sessionId", new { sessionId }, cancellationToken: ct));
        return row?.ToScript();
    }

    public async Task<bool> SaveStopAsync(PracticeScript script, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE practice_scripts SET status = @Status, next_phase_at = NULL WHERE session_id = @SessionId AND status = 'running'
            """, new { script.SessionId, Status = script.Status.ToWire() }, cancellationToken: ct)) == 1;
    }

    public async Task<IPracticeScriptClaim> ClaimDueAsync(DateTime now, int max, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        NpgsqlTransaction? tx = null;
        try
        {
            tx = await connection.BeginTransactionAsync(ct);
            var rows = await connection.QueryAsync<ClaimRow>(new CommandDefinition($"""
                SELECT {string.Join(", ", Columns.Split(',').Select(c => "p." + c.Trim()))}, s.status = 'active' AS session_active
                FROM practice_scripts p
                JOIN sessions s ON s.id = p.session_id
                WHERE p.status = 'running' AND p.next_phase_at <= @now
                ORDER BY p.next_phase_at
                LIMIT @max
                FOR UPDATE OF p SKIP LOCKED
                """, new { now, max }, tx, cancellationToken: ct));
            return new Claim(connection, tx, rows.Select(r => new ClaimedScript(r.ToScript(), r.SessionActive)).ToArray());
        }
        catch
        {
            if (tx is not null) await tx.DisposeAsync();
            await connection.DisposeAsync();
            throw;
        }
    }

    private static object Parameters(PracticeScript script) => new
    {
        script.SessionId, script.FirstSpeakerId, script.SecondSpeakerId, script.StartedAt, script.Timings.Part1Seconds,
        script.Timings.PrepareSeconds, script.Timings.SpeakSeconds, script.Timings.Part3Seconds, Status = script.Status.ToWire(),
        script.PhaseIndex, script.NextPhaseAt,
    };

    private sealed class Claim(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<ClaimedScript> scripts) : IPracticeScriptClaim
    {
        public IReadOnlyList<ClaimedScript> Scripts { get; } = scripts;

        public Task SaveAsync(PracticeScript script, CancellationToken ct) =>
            connection.ExecuteAsync(new CommandDefinition("""
                UPDATE practice_scripts SET status = @Status, phase_index = @PhaseIndex, next_phase_at = @NextPhaseAt WHERE session_id = @SessionId
                """, new { script.SessionId, Status = script.Status.ToWire(), script.PhaseIndex, script.NextPhaseAt }, tx, cancellationToken: ct));

        public Task CommitAsync(CancellationToken ct) => tx.CommitAsync(ct);

        /// <summary>Without a commit the transaction rolls back and the scripts are free for the next claim.</summary>
        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private class ScriptRow
    {
        public Guid SessionId { get; init; }
        public Guid FirstSpeakerId { get; init; }
        public Guid SecondSpeakerId { get; init; }
        public DateTime StartedAt { get; init; }
        public int Part1Seconds { get; init; }
        public int PrepareSeconds { get; init; }
        public int SpeakSeconds { get; init; }
        public int Part3Seconds { get; init; }
        public string Status { get; init; } = "";
        public int PhaseIndex { get; init; }
        public DateTime? NextPhaseAt { get; init; }

        public PracticeScript ToScript() => PracticeScript.Restore(SessionId, FirstSpeakerId, SecondSpeakerId, StartedAt,
            new PracticeTimings(Part1Seconds, PrepareSeconds, SpeakSeconds, Part3Seconds), PracticeScriptStatusNames.Parse(Status),
            PhaseIndex, NextPhaseAt);
    }

    private sealed class ClaimRow : ScriptRow
    {
        public bool SessionActive { get; init; }
    }
}
