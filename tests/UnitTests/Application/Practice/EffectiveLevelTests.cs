using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Sessions;
using Speaking.Application.Realtime;
using Speaking.Application.Users;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Practice;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Practice;

public class EffectiveLevelTests
{
    private readonly IFeedbackRepository _feedback = Substitute.For<IFeedbackRepository>();
    private readonly User _rated = Fakes.User(level: 6.0);
    private readonly User _unrated = Fakes.User(level: 7.5);

    private EffectiveLevel Levels(LevelSource source) => new(_feedback, Options.Create(new PracticeOptions { LevelSource = source }),
        Fakes.ClockAt(Fakes.Now), NullLogger<EffectiveLevel>.Instance);

    private void Rated(int count, int raters, double score) =>
        _feedback.SummariesSinceAsync(default!, default, default).ReturnsForAnyArgs(new Dictionary<Guid, RatingSummary>
        {
            [_rated.Id] = new(count, raters, new CriterionAverages(score, score, score, score)),
        });

    [Fact]
    public async Task Self_IsAlwaysCurrentLevel_WithoutReadingRatings()
    {
        Rated(10, 5, 8.0);

        (await Levels(LevelSource.Self).OfAsync([_rated, _unrated], default)).ShouldBe(new Dictionary<Guid, double>
        {
            [_rated.Id] = 6.0, [_unrated.Id] = 7.5,
        });
        await _feedback.DidNotReceiveWithAnyArgs().SummariesSinceAsync(default!, default, default);
    }

    [Fact]
    public async Task Measured_ReplacesCurrentLevelOnceThereIsAMeasuredBand()
    {
        Rated(3, 2, 7.25);

        var levels = await Levels(LevelSource.Measured).OfAsync([_rated, _unrated], default);

        levels[_rated.Id].ShouldBe(7.5);
        levels[_unrated.Id].ShouldBe(7.5); // no ratings: current_level
        await _feedback.Received(1).SummariesSinceAsync(Arg.Any<IReadOnlyCollection<Guid>>(), Fakes.Now.AddDays(-90), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(5, 1)]
    public async Task Measured_BelowTheThresholds_KeepsCurrentLevel(int count, int raters)
    {
        Rated(count, raters, 8.0);

        (await Levels(LevelSource.Measured).OfAsync(_rated, default)).ShouldBe(6.0);
    }

    [Fact]
    public async Task Measured_WhenRatingsCannotBeRead_FallsBackToCurrentLevel()
    {
        _feedback.SummariesSinceAsync(default!, default, default).ThrowsAsyncForAnyArgs(new TimeoutException());

        (await Levels(LevelSource.Measured).OfAsync(_rated, default)).ShouldBe(6.0);
    }
}

/// <summary>LEVEL_SOURCE=measured where the contract falls back to current_level: the joins and partner_level.</summary>
public class MeasuredLevelInUseTests
{
    private static readonly ConnectionRef Connection = new("node", 1);
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IEffectiveLevel _measured = Substitute.For<IEffectiveLevel>();
    private readonly User _me = Fakes.User(level: 6.5);

    public MeasuredLevelInUseTests()
    {
        _users.GetAsync(_me.Id, Arg.Any<CancellationToken>()).Returns(_me);
        _queue.TryJoinAsync(default!, default, default).ReturnsForAnyArgs(JoinOutcome.Joined);
        _measured.OfAsync(default!, default).ReturnsForAnyArgs(call =>
            call.Arg<IReadOnlyCollection<User>>().ToDictionary(u => u.Id, u => u.Id == _me.Id ? 8.0 : u.CurrentLevel));
    }

    private Task<SocketReply> SocketJoin(string data)
    {
        using var json = JsonDocument.Parse(data);
        var root = json.RootElement;
        return new JoinQueueFromSocketCommandHandler(_queue, _users, _measured, Fakes.ClockAt(Fakes.Now)).Handle(
            new JoinQueueFromSocketCommand(_me.Id, Connection, root.GetProperty("mode").Clone(),
                root.TryGetProperty("level_filter", out var level) ? level.Clone() : null), default);
    }

    [Fact]
    public async Task SocketLevelFilterJoinWithoutALevel_UsesTheEffectiveLevel()
    {
        await SocketJoin("""{"mode":"level_filter"}""");

        await _queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Level.Value == 8.0 && !t.Widen), Connection, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task SocketLevelFilterSentByTheUser_IsAlwaysHonoured()
    {
        await SocketJoin("""{"mode":"level_filter","level_filter":5.5}""");

        await _queue.Received(1).TryJoinAsync(Arg.Is<QueueTicket>(t => t.Level.Value == 5.5 && !t.Widen), Connection, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task RestLevelFilterJoin_UsesTheEffectiveLevelOnlyWhenNoneWasSent()
    {
        var handler = new JoinQueueCommandHandler(_queue, _users, _measured, Fakes.ClockAt(Fakes.Now));

        await handler.Handle(new(_me.Id, Speaking.Domain.Common.QueueMode.LevelFilter, Speaking.Application.Common.BodyShape.Object,
            Speaking.Application.Common.Input<double>.Missing), default);
        await handler.Handle(new(_me.Id, Speaking.Domain.Common.QueueMode.LevelFilter, Speaking.Application.Common.BodyShape.Object, 6.5), default);

        _queue.ReceivedCalls().Select(c => c.GetArguments()[0]).OfType<QueueTicket>().Select(t => t.Level.Value).ShouldBe([8.0, 6.5]);
    }

    [Fact]
    public async Task Matched_CarriesThePartnersEffectiveLevel()
    {
        var partner = Fakes.User(username: "bob", level: 6.0);
        var notifier = Substitute.For<IRealtimeNotifier>();
        _users.GetManyAsync(default!, default).ReturnsForAnyArgs([_me, partner]);
        var session = Speaking.Domain.Sessions.Session.Start(Guid.NewGuid(), _me.Id, partner.Id, Speaking.Domain.Common.QueueMode.Roulette,
            "room_000000000000", Fakes.Now);
        var mine = new ConnectionRef("node", 1);
        var theirs = new ConnectionRef("node", 2);

        await new SessionAnnouncer(_users, notifier, _measured, Fakes.Practice(), NullLogger<SessionAnnouncer>.Instance)
            .AnnounceAsync([new SessionStart(session, mine, theirs)], default);

        await notifier.Received(1).SendToConnectionAsync(theirs, Arg.Is<MatchedMessage>(m => m.Data.PartnerLevel == 8.0 && m.Data.Practice != null),
            Arg.Any<BindingChange?>(), Arg.Any<Guid?>());
        await notifier.Received(1).SendToConnectionAsync(mine, Arg.Is<MatchedMessage>(m => m.Data.PartnerLevel == 6.0 && m.Data.Practice != null),
            Arg.Any<BindingChange?>(), Arg.Any<Guid?>());
    }
}
