using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Practice;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Sessions;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Practice;

/// <summary>Against the real store: a card never comes back within either user's last 20 sessions.</summary>
public sealed class CardRotationTests : IClassFixture<HostFixture>
{
    private readonly TestHost _host;

    public CardRotationTests(HostFixture fixture) => _host = fixture.Host;

    [Fact]
    public async Task OverManySessionsAmongThreeUsers_NoCardRepeatsWithinEitherUsersLastTwentySessions()
    {
        var users = new[] { await _host.RegisterAsync(), await _host.RegisterAsync(), await _host.RegisterAsync() };
        var practice = _host.App.Web.Services.GetRequiredService<PracticeAssignment>();
        var seen = users.ToDictionary(u => u.Id, _ => new List<string>()); // each user's cards, oldest first
        var start = DateTime.UtcNow.AddDays(-1);

        for (var i = 0; i < 75; i++)
        {
            var (one, two) = (users[i % 3], users[(i + 1 + i / 3 % 2) % 3]);
            var id = await _host.EndedSessionAsync(one, two, TimeSpan.FromMinutes(5), start.AddMinutes(10 * i));
            var session = Session.Restore(id, one.Id, two.Id, QueueMode.Roulette, "room_x", SessionStatus.Completed, start.AddMinutes(10 * i), null);

            var card = (await practice.AssignAsync([session], default))[id].Card.Id;

            seen[one.Id].TakeLast(CardChoice.RecentSessions).ShouldNotContain(card, $"session {i}: {card} came back for one user");
            seen[two.Id].TakeLast(CardChoice.RecentSessions).ShouldNotContain(card, $"session {i}: {card} came back for the other user");
            seen[one.Id].Add(card);
            seen[two.Id].Add(card);
        }
    }

    [Fact]
    public async Task RecentCards_AreThoseOfEachUsersLastTwentySessions_WhicheverSideTheyWereOn()
    {
        var me = await _host.RegisterAsync();
        var other = await _host.RegisterAsync();
        var start = DateTime.UtcNow.AddDays(-3);
        await using var db = await _host.OpenDbAsync();
        for (var i = 1; i <= 25; i++)
        {
            var id = i % 2 == 0
                ? await _host.EndedSessionAsync(me, other, TimeSpan.FromMinutes(5), start.AddHours(i))
                : await _host.EndedSessionAsync(other, me, TimeSpan.FromMinutes(5), start.AddHours(i));
            if (i != 24) // one recent session without a card (it started while the store was away)
                await db.ExecuteAsync("""
                    INSERT INTO practice_assignments (session_id, card_id, card_version, part1_question_ids) VALUES (@id, @card, 1, '{}')
                    """, new { id, card = $"card-{i:000}" });
        }

        var newest = await _host.EndedSessionAsync(me, other, TimeSpan.FromMinutes(5), start.AddHours(30));
        var store = _host.App.Web.Services.GetRequiredService<IPracticeRepository>();

        var recent = await store.RecentCardsAsync([me.Id], [newest], CardChoice.RecentSessions, default);

        recent[me.Id].Order().ShouldBe(Enumerable.Range(6, 20).Where(i => i != 24).Select(i => $"card-{i:000}"));
    }
}
