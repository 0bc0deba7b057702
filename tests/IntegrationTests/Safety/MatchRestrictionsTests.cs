using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Safety;
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
        (await reads.BlockedPairsAmongAsync(users, default)).ShouldBe([UnorderedPair.Of(a.Id, c.Id), UnorderedPair.Of(b.Id, d.Id)], ignoreOrder: true);
        (await reads.RecentPairsAmongAsync(users, now.AddMinutes(-10), default)).ShouldBe([UnorderedPair.Of(a.Id, b.Id)]);
        (await reads.RecentPairsAmongAsync(users, now.AddHours(-1), default))
            .ShouldBe([UnorderedPair.Of(a.Id, b.Id), UnorderedPair.Of(c.Id, d.Id)], ignoreOrder: true);
        (await reads.BlockedPairsAmongAsync([a.Id], default)).ShouldBeEmpty();
    }
}
