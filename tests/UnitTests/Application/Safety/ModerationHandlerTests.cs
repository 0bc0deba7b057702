using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Queue;
using Speaking.Application.Safety;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Matchmaking;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Safety;

public class ModerationHandlerTests
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IReportRepository _reports = Substitute.For<IReportRepository>();
    private readonly User _admin = User.Restore(Guid.NewGuid(), "mod@example.com", "h", "mod", 6, 7, false, Fakes.Now, Fakes.Now, isAdmin: true);
    private readonly User _member = Fakes.User();
    private readonly User _suspended = User.Restore(Guid.NewGuid(), "s@example.com", "h", "s", 6, 7, false, Fakes.Now, Fakes.Now,
        suspendedUntil: Fakes.Now.AddDays(2));

    public ModerationHandlerTests()
    {
        foreach (var user in new[] { _admin, _member, _suspended }) _users.GetAsync(user.Id, Arg.Any<CancellationToken>()).Returns(user);
        _reports.LiftSuspensionAsync(default, default, default, default).ReturnsForAnyArgs(3);
    }

    private Task<Result<IReadOnlyList<AdminReportView>>> List(User caller, Input<Guid>? target = null, Input<bool>? suspendedOnly = null,
        Input<int>? limit = null) =>
        new ListReportsQueryHandler(_users, _reports, Fakes.ClockAt(Fakes.Now)).Handle(new ListReportsQuery(caller.Id, target ?? Input<Guid>.Missing,
            suspendedOnly ?? Input<bool>.Missing, Input<int>.Missing, limit ?? Input<int>.Missing), default);

    private Task<Result<LiftedSuspensionView>> Lift(User caller, Guid target) =>
        new LiftSuspensionCommandHandler(_users, _reports, Fakes.ClockAt(Fakes.Now)).Handle(new LiftSuspensionCommand(caller.Id, target), default);

    [Fact]
    public async Task ANonAdmin_Gets403_FromBoth_AndTouchesNothing()
    {
        (await List(_member)).Error.ShouldBe(SafetyErrors.AdminRequired);
        (await Lift(_member, _suspended.Id)).Error.ShouldBe(SafetyErrors.AdminRequired);
        SafetyErrors.AdminRequired.Kind.ShouldBe(ErrorKind.Forbidden);
        _reports.ReceivedCalls().ShouldBeEmpty();
    }

    [Fact]
    public async Task AnAdmin_ListsWithTheFilters_TheLimitCappedAt100()
    {
        var target = Guid.NewGuid();
        (await List(_admin, target, true, 500)).IsSuccess.ShouldBeTrue();
        (await List(_admin)).IsSuccess.ShouldBeTrue();

        await _reports.Received(1).ListAsync(target, true, Fakes.Now, 0, 100, Arg.Any<CancellationToken>());
        await _reports.Received(1).ListAsync(null, false, Fakes.Now, 0, 50, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task AnAdmin_LiftsASuspension_AndTheReportsBehindItAreResolved()
    {
        (await Lift(_admin, _suspended.Id)).Value.ShouldBe(new LiftedSuspensionView(_suspended.Id, null, 3));
        await _reports.Received(1).LiftSuspensionAsync(_suspended.Id, _admin.Id, Fakes.Now, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task LiftingWhereThereIsNoSuspension_Is400_AndAnUnknownUser404()
    {
        (await Lift(_admin, _member.Id)).Error.ShouldBe(SafetyErrors.NotSuspended);
        (await Lift(_admin, Guid.NewGuid())).Error.ShouldBe(UserErrors.NotFound);
        await _reports.DidNotReceiveWithAnyArgs().LiftSuspensionAsync(default, default, default, default);
    }
}

public class QueueStatsHandlerTests
{
    private readonly IQueueRepository _queue = Substitute.For<IQueueRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IQueueInsight _insight = Substitute.For<IQueueInsight>();
    private readonly User _me = Fakes.User(level: 6.3);

    public QueueStatsHandlerTests()
    {
        _users.GetAsync(_me.Id, Arg.Any<CancellationToken>()).Returns(_me);
        _insight.SnapshotAsync(default, default, default, default).ReturnsForAnyArgs(new QueueSnapshot(
            new Dictionary<QueueMode, int> { [QueueMode.Roulette] = 3, [QueueMode.LevelFilter] = 2 },
            [(6.0, 1), (7.5, 1)],
            new Dictionary<QueueMode, (int, double?)> { [QueueMode.Roulette] = (4, 12.25), [QueueMode.LevelFilter] = (0, null) },
            null, false));
    }

    private Task<Result<QueueStatsView>> Stats() =>
        new GetQueueStatsQueryHandler(_queue, _users, Fakes.SelfLevels, _insight, Fakes.ClockAt(Fakes.Now),
            Options.Create(new MatchmakingOptions { RouletteIntervalSeconds = 20 })).Handle(new GetQueueStatsQuery(_me.Id), default);

    [Fact]
    public async Task NotQueued_TheEstimateIsForTheLevelALevelFilterJoinWouldUse()
    {
        var view = (await Stats()).Value;

        view.Waiting.ShouldBe(new ModeCounts(3, 2));
        view.WaitingByBand.ShouldBe([new BandCount(6.0, 1), new BandCount(7.5, 1)]);
        view.MatchesLastHour.ShouldBe(new ModeCounts(4, 0));
        view.MedianWaitSeconds.ShouldBe(new ModeMedians(12.3, null));
        view.YourBand.ShouldBe(new BandEstimate(6.3, 6.0, false, null, "none"));
        await _insight.Received(1).SnapshotAsync(_me.Id, 6.3, Fakes.Now, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task QueuedInTheLevelFilter_TheEstimateIsForTheTicketsLevel()
    {
        _queue.GetActiveAsync(_me.Id, Arg.Any<CancellationToken>())
            .Returns(new QueueTicket(Guid.NewGuid(), _me.Id, QueueMode.LevelFilter, IeltsBand.From(7.5), Fakes.Now));
        _insight.SnapshotAsync(default, default, default, default).ReturnsForAnyArgs(call => new QueueSnapshot(
            new Dictionary<QueueMode, int> { [QueueMode.Roulette] = 0, [QueueMode.LevelFilter] = 2 }, [],
            new Dictionary<QueueMode, (int, double?)> { [QueueMode.Roulette] = (0, null), [QueueMode.LevelFilter] = (1, 30) }, null, true));

        (await Stats()).Value.YourBand.ShouldBe(new BandEstimate(7.5, 7.5, true, 20, "partner_waiting"));
        await _insight.Received(1).SnapshotAsync(_me.Id, 7.5, Fakes.Now, Arg.Any<CancellationToken>());
    }
}
