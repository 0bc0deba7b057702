using Dapper;
using Npgsql;
using Speaking.Application.Safety;
using Speaking.Domain.Safety;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>Reports, the evidence of contact they are weighed by, suspensions and their lifting.</summary>
internal sealed class ReportRepository(NpgsqlDataSource db) : IReportRepository
{
    public async Task<ReportContact> ContactAsync(Guid reporter, Guid target, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // Sessions by either user (ix_sessions_user1_started / user2), invitation_history and partner_requests by their keys.
        var row = await connection.QuerySingleAsync<(bool SharedSession, bool InvitedByTarget, bool RequestFromTarget)>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM sessions
                           WHERE (user1_id = @reporter AND user2_id = @target) OR (user1_id = @target AND user2_id = @reporter)),
                   EXISTS (SELECT 1 FROM invitation_history WHERE inviter_id = @target AND invitee_id = @reporter),
                   EXISTS (SELECT 1 FROM partner_requests WHERE from_user_id = @target AND to_user_id = @reporter)
            """, new { reporter, target }, cancellationToken: ct));
        return new ReportContact(row.SharedSession, row.InvitedByTarget, row.RequestFromTarget);
    }

    public async Task<IReadOnlyList<CountedReport>?> AddAsync(StoredReport report, DateTime countSince, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Reports on one user are stored one at a time, so the last of several concurrent ones counts them all. The lift of
        // a suspension takes the same lock (it updates this row).
        await connection.ExecuteAsync(new CommandDefinition("SELECT 1 FROM users WHERE id = @TargetId FOR UPDATE", new { report.TargetId }, tx,
            cancellationToken: ct));
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reports (id, reporter_id, target_id, session_id, reason, details, counted, created_at)
            VALUES (@Id, @ReporterId, @TargetId, @SessionId, @Reason, @Details, @Counted, @CreatedAt)
            ON CONFLICT DO NOTHING
            """, new
        {
            report.Id, report.ReporterId, report.TargetId, report.SessionId, Reason = report.Reason.ToWire(), report.Details, report.Counted,
            report.CreatedAt,
        }, tx, cancellationToken: ct));
        if (inserted == 0)
        {
            await tx.RollbackAsync(ct);
            return null;
        }

        var counted = await connection.QueryAsync<(Guid ReporterId, DateTime CreatedAt)>(new CommandDefinition("""
            SELECT reporter_id, created_at FROM reports
            WHERE target_id = @TargetId AND counted AND resolved_at IS NULL AND created_at >= @countSince
            """, new { report.TargetId, countSince }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return counted.Select(r => new CountedReport(r.ReporterId, r.CreatedAt)).ToArray();
    }

    public async Task SuspendAsync(Guid userId, DateTime until, Guid causedBy, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE users SET suspended_until = @until
            WHERE id = @userId AND (suspended_until IS NULL OR suspended_until < @until)
              AND EXISTS (SELECT 1 FROM reports WHERE id = @causedBy AND resolved_at IS NULL)
            """, new { userId, until, causedBy }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<AdminReportView>> ListAsync(Guid? target, bool suspendedOnly, DateTime now, int skip, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<AdminReportRow>(new CommandDefinition("""
            SELECT r.id, r.reporter_id, ru.username AS reporter_username, r.target_id, tu.username AS target_username, r.reason, r.details,
                   r.session_id, r.counted, r.created_at, r.resolved_at, tu.suspended_until AS target_suspended_until
            FROM reports r
            JOIN users ru ON ru.id = r.reporter_id
            JOIN users tu ON tu.id = r.target_id
            WHERE (CAST(@target AS uuid) IS NULL OR r.target_id = @target)
              AND (NOT @suspendedOnly OR (tu.suspended_until > @now AND r.resolved_at IS NULL))
            ORDER BY r.created_at DESC, r.id
            OFFSET @skip LIMIT @limit
            """, new { target, suspendedOnly, now, skip, limit }, cancellationToken: ct));
        return rows.Select(r => r.ToView()).ToArray();
    }

    public async Task<int> LiftSuspensionAsync(Guid userId, Guid moderatorId, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE users SET suspended_until = NULL WHERE id = @userId", new { userId }, tx,
            cancellationToken: ct));
        var resolved = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE reports SET resolved_at = @now, resolved_by = @moderatorId WHERE target_id = @userId AND resolved_at IS NULL
            """, new { userId, moderatorId, now }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return resolved;
    }

    private sealed class AdminReportRow
    {
        public Guid Id { get; init; }
        public Guid ReporterId { get; init; }
        public string ReporterUsername { get; init; } = "";
        public Guid TargetId { get; init; }
        public string TargetUsername { get; init; } = "";
        public string Reason { get; init; } = "";
        public string? Details { get; init; }
        public Guid? SessionId { get; init; }
        public bool Counted { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? ResolvedAt { get; init; }
        public DateTime? TargetSuspendedUntil { get; init; }

        public AdminReportView ToView() => new(Id, ReporterId, ReporterUsername, TargetId, TargetUsername, Reason, Details, SessionId, Counted,
            CreatedAt, ResolvedAt, TargetSuspendedUntil);
    }
}
