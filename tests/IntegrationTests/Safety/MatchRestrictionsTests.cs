using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Safety;
using Speaking.Domain.Matchmaking;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Safety;

/// <summary>The matcher's safety reads over a set of waiting users, against the real schema.</summary>
public sealed class MatchRestrictionsTests : HostPerTest
{
    [Fact]
    public async Task Reads_SuspendedUsers_BlockedPairs_AndRecentPairs_AmongTheGivenUsersOnly()
    {
        var (a, b, c, d, e) = (await Host.RegisterAsync(), await Host.RegisterAsync(), await Host.RegisterAsync(), await Host.RegisterAsync(),
            await Host.RegisterAsync());
        var now = DateTime.UtcNow;
        await Host.PastSessionAsync(a, b, now.AddMinutes(-5));
        await Host.PastSessionAsync(d, c, now.AddMinutes(-30));
        await Host.PastSessionAsync(a, e, now.AddMinutes(-1)); // e is not among the users asked about
        await Host.BlockedAsync(a, c);
        await Host.BlockedAsync(d, b);
        await Host.BlockedAsync(e, a);
        await using (var db = await Host.OpenDbAsync())
        {
            await db.ExecuteAsync("UPDATE users SET suspended_until = @until WHERE id = @id", new { until = now.AddDays(1), id = b.Id });
            await db.ExecuteAsync("UPDATE users SET suspended_until = @until WHERE id = @id", new { until = now.AddMinutes(-1), id = d.Id });
        }

        var reads = Host.App.Web.Services.GetRequiredService<IMatchRestrictions>();
        Guid[] users = [a.Id, b.Id, c.Id, d.Id];

        (await reads.SuspendedAmongAsync(users, now, default)).ShouldBe([b.Id]);
        (await reads.BlockedPairsAmongAsync(users, default)).ShouldBe([new UserPair(a.Id, c.Id), new UserPair(b.Id, d.Id)], ignoreOrder: true);
        (await reads.RecentPairsAmongAsync(users, now.AddMinutes(-10), default)).ShouldBe([new UserPair(a.Id, b.Id)]);
        (await reads.RecentPairsAmongAsync(users, now.AddHours(-1), default))
            .ShouldBe([new UserPair(a.Id, b.Id), new UserPair(c.Id, d.Id)], ignoreOrder: true);
        (await reads.BlockedPairsAmongAsync([a.Id], default)).ShouldBeEmpty();
    }
}

/// <summary>
/// A block stored after a round (or an acceptance) read the blocks, but before it commits its session: the start takes
/// the users' row locks that the block takes too, reads the blocks again under them, and starts nothing for the pair.
/// </summary>
public sealed class BlockRaceTests : HostPerTest
{
    [Fact]
    public async Task AStartProposedBeforeTheBlock_DoesNotStartAfterIt_ForARoundOrAnInvitation()
    {
        var a = await Host.RegisterAsync();
        var b = await Host.RegisterAsync();
        foreach (var user in new[] { a, b })
            (await Host.SendAsync(HttpMethod.Post, "/queue/roulette", user)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        Guid[] tickets;
        await using (var db = await Host.OpenDbAsync())
        {
            tickets = (await db.QueryAsync<Guid>("SELECT id FROM queue_entries WHERE is_active AND user_id = ANY(@users) ORDER BY joined_at",
                new { users = new[] { a.Id, b.Id } })).ToArray();
        }

        await Host.BlockedAsync(b, a);

        var sessions = Host.App.Web.Services.GetRequiredService<Speaking.Application.Sessions.ISessionRepository>();
        var matched = Speaking.Domain.Sessions.Session.Start(Guid.NewGuid(), a.Id, b.Id, Speaking.Domain.Common.QueueMode.Roulette,
            "room_" + Guid.NewGuid().ToString("N")[..12], DateTime.UtcNow);
        (await sessions.StartMatchedAsync([new(matched, null, null, tickets[0], tickets[1])], DateTime.UtcNow.AddMinutes(1), default)).ShouldBeEmpty();
        var invited = Speaking.Domain.Sessions.Session.Start(Guid.NewGuid(), a.Id, b.Id, Speaking.Domain.Common.QueueMode.Roulette,
            "room_" + Guid.NewGuid().ToString("N")[..12], DateTime.UtcNow);
        (await sessions.TryStartInvitedAsync(new(invited, null, null), DateTime.UtcNow.AddMinutes(1), default)).ShouldBeFalse();

        await using var check = await Host.OpenDbAsync();
        (await check.ExecuteScalarAsync<long>("SELECT count(*) FROM sessions WHERE user1_id = @a OR user2_id = @a", new { a = a.Id })).ShouldBe(0);
        (await Host.IsQueuedAsync(a)).ShouldBeTrue();
        (await Host.IsQueuedAsync(b)).ShouldBeTrue();
    }
}
