using Dapper;
using Npgsql;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;

namespace Speaking.Infrastructure.Persistence.Repositories;

/// <summary>Pending call invitations in PostgreSQL: one per inviter, shared by every node, surviving the node that recorded them.</summary>
internal sealed class InvitationRepository(NpgsqlDataSource db) : IInvitationRepository
{
    public async Task RecordAsync(Invitation invitation, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // invitation_history keeps who ever invited whom (the pending row goes when answered): evidence of contact for reports.
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH history AS (
                INSERT INTO invitation_history (inviter_id, invitee_id, last_invited_at) VALUES (@InviterId, @InviteeId, @CreatedAt)
                ON CONFLICT (inviter_id, invitee_id) DO UPDATE SET last_invited_at = excluded.last_invited_at)
            INSERT INTO invitations (inviter_id, invitee_id, inviter_connection, created_at, expires_at)
            VALUES (@InviterId, @InviteeId, @Connection, @CreatedAt, @ExpiresAt)
            ON CONFLICT (inviter_id) DO UPDATE
            SET invitee_id = excluded.invitee_id, inviter_connection = excluded.inviter_connection,
                created_at = excluded.created_at, expires_at = excluded.expires_at
            """, new
        {
            invitation.InviterId, invitation.InviteeId, Connection = invitation.InviterConnection?.ToString(),
            CreatedAt = invitation.ExpiresAt - Invitation.Lifetime, invitation.ExpiresAt,
        }, cancellationToken: ct));
    }

    public async Task<Invitation?> TryConsumeAsync(Guid inviterId, Guid inviteeId, DateTime now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string? Connection, DateTime ExpiresAt)?>(new CommandDefinition("""
            DELETE FROM invitations WHERE inviter_id = @inviterId AND invitee_id = @inviteeId
            RETURNING inviter_connection, expires_at
            """, new { inviterId, inviteeId }, cancellationToken: ct));
        return row is { } found && found.ExpiresAt > now
            ? new Invitation(inviterId, inviteeId, ConnectionRef.Parse(found.Connection), found.ExpiresAt)
            : null;
    }

    public async Task<int> PruneAsync(DateTime before, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM invitations WHERE expires_at < @before", new { before }, cancellationToken: ct));
    }
}
