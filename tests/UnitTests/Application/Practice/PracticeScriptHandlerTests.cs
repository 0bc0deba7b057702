using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Practice;
using Speaking.Application.Realtime;
using Speaking.Application.Sessions;
using Speaking.Domain.Common;
using Speaking.Domain.Practice;
using Speaking.Domain.Sessions;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application.Practice;

/// <summary>Scripts kept in memory with the same claim rules as the database: only running scripts whose change is due.</summary>
internal sealed class InMemoryScripts : IPracticeScriptRepository
{
    public Dictionary<Guid, PracticeScript> Stored { get; } = [];
    public HashSet<Guid> EndedSessions { get; } = [];

    public Task<bool> TryStartAsync(PracticeScript script, CancellationToken ct)
    {
        if (Stored.TryGetValue(script.SessionId, out var existing) && existing.Status == PracticeScriptStatus.Running) return Task.FromResult(false);
        Stored[script.SessionId] = script;
        return Task.FromResult(true);
    }

    public Task<PracticeScript?> GetAsync(Guid sessionId, CancellationToken ct) => Task.FromResult(Copy(Stored.GetValueOrDefault(sessionId)));

    public Task<bool> SaveStopAsync(PracticeScript script, CancellationToken ct)
    {
        if (Stored[script.SessionId].Status != PracticeScriptStatus.Running) return Task.FromResult(false);
        Stored[script.SessionId] = script;
        return Task.FromResult(true);
    }

    public Task<IPracticeScriptClaim> ClaimDueAsync(DateTime now, int max, CancellationToken ct) =>
        Task.FromResult<IPracticeScriptClaim>(new Claim(this, Stored.Values
            .Where(s => s.Status == PracticeScriptStatus.Running && s.NextPhaseAt <= now)
            .Select(s => new ClaimedScript(Copy(s)!, !EndedSessions.Contains(s.SessionId))).ToArray()));

    private static PracticeScript? Copy(PracticeScript? s) => s is null ? null
        : PracticeScript.Restore(s.SessionId, s.FirstSpeakerId, s.SecondSpeakerId, s.StartedAt, s.Timings, s.Status, s.PhaseIndex, s.NextPhaseAt);

    private sealed class Claim(InMemoryScripts store, IReadOnlyList<ClaimedScript> scripts) : IPracticeScriptClaim
    {
        private readonly List<PracticeScript> _saved = [];

        public IReadOnlyList<ClaimedScript> Scripts { get; } = scripts;

        public Task SaveAsync(PracticeScript script, CancellationToken ct)
        {
            _saved.Add(script);
            return Task.CompletedTask;
        }

        public Task CommitAsync(CancellationToken ct)
        {
            foreach (var script in _saved) store.Stored[script.SessionId] = script;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

public class PracticeScriptHandlerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(Fakes.Now));
    private readonly IClock _clock;
    private readonly ISessionRepository _sessions = Substitute.For<ISessionRepository>();
    private readonly InMemoryScripts _scripts = new();
    private readonly Deliveries _deliveries = new();
    private readonly Guid _ann = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();
    private readonly ConnectionRef _annConnection = Fakes.Connection(1);
    private readonly ConnectionRef _bobConnection = Fakes.Connection(2, node: "b");
    private readonly Session _session;

    public PracticeScriptHandlerTests()
    {
        _clock = new MovableClock(_time);
        _session = Session.Start(Guid.NewGuid(), _ann, _bob, QueueMode.Roulette, "room_0123456789ab", Fakes.Now.AddMinutes(-1));
        _sessions.GetAsync(_session.Id, Arg.Any<CancellationToken>()).Returns(_session);
        _sessions.FindActiveForUserAsync(_ann, Arg.Any<CancellationToken>()).Returns(Fakes.Side(_session, _ann, _annConnection, _bobConnection));
        _sessions.FindActiveForUserAsync(_bob, Arg.Any<CancellationToken>()).Returns(Fakes.Side(_session, _bob, _bobConnection, _annConnection));
    }

    /// <summary>Who was sent what: every delivery goes to the connection holding a side, and only while it holds this session.</summary>
    private List<(Guid To, ServerMessage Message)> Sent()
    {
        _deliveries.Sent.ShouldAllBe(d => d.OnlyInSession == _session.Id && d.Change == null);
        return _deliveries.Sent.Select(d => (d.Connection == _annConnection ? _ann : d.Connection == _bobConnection ? _bob : Guid.Empty, d.Message)).ToList();
    }

    private DateTime Now => _clock.UtcNow;

    private Task<SocketReply> Start(Guid user) =>
        new StartPracticeCommandHandler(_sessions, _scripts, _deliveries.Notifier, _clock, Options.Create(new PracticeOptions()))
            .Handle(new StartPracticeCommand(user, _session.Id), default);

    private Task<SocketReply> Stop(Guid user) => new StopPracticeCommandHandler(_scripts, _sessions, _deliveries.Notifier).Handle(new StopPracticeCommand(user, _session.Id), default);

    private Task<int> Tick() => new AdvancePracticeScriptsCommandHandler(_scripts, _sessions, _deliveries.Notifier, _clock).Handle(new AdvancePracticeScriptsCommand(), default);

    [Fact]
    public async Task Start_TellsBothThatPart1BeginsWithTheStarterAsCandidate()
    {
        var reply = await Start(_bob);

        var expected = new PracticePhaseMessage(new PracticePhaseData(_session.Id, 1, "questions", "2026-02-05T14:08:27.000000Z", _bob));
        reply.Messages.ShouldBe([expected]);
        Sent().ShouldBe([(_ann, (ServerMessage)expected)]);
        _scripts.Stored[_session.Id].NextPhaseAt.ShouldBe(Now.AddSeconds(300));
    }

    [Fact]
    public async Task Start_IsRefusedToANonParticipant_InAnEndedSession_AndWhileAScriptRuns()
    {
        (await Start(Guid.NewGuid())).Messages.ShouldBe([PracticeSocketErrors.NoActiveSession]);
        (await new StartPracticeCommandHandler(_sessions, _scripts, _deliveries.Notifier, _clock, Options.Create(new PracticeOptions()))
            .Handle(new StartPracticeCommand(_ann, Guid.NewGuid()), default)).Messages.ShouldBe([PracticeSocketErrors.NoActiveSession]);
        Sent().ShouldBeEmpty();

        (await Start(_ann)).Messages.ShouldHaveSingleItem().ShouldBeOfType<PracticePhaseMessage>();
        (await Start(_bob)).Messages.ShouldBe([PracticeSocketErrors.AlreadyRunning]);

        _session.Complete(Now, _ann);
        (await Start(_ann)).Messages.ShouldBe([PracticeSocketErrors.NoActiveSession]);
        PracticeSocketErrors.NoActiveSession.Message.ShouldBe("Not in this active session");
    }

    [Fact]
    public async Task TheDriver_AnnouncesEachPhaseToBothWhenTheClockReachesIt_WithTheRolesSwapped()
    {
        await Start(_ann);
        _deliveries.Clear();
        var seen = new List<(int? Part, string Phase, Guid? Speaker)>();

        (await Tick()).ShouldBe(0); // nothing due yet
        for (var step = 0; step < 8; step++)
        {
            _time.Advance(_scripts.Stored[_session.Id].NextPhaseAt!.Value - Now);
            (await Tick()).ShouldBe(1);
            (await Tick()).ShouldBe(0); // a change is announced once
            var sent = Sent();
            sent.Select(s => s.To).ShouldBe([_ann, _bob]);
            sent[0].Message.ShouldBe(sent[1].Message);
            var data = sent[0].Message.ShouldBeOfType<PracticePhaseMessage>().Data;
            seen.Add((data.Part, data.Phase, data.SpeakerUserId));
            _deliveries.Clear();
        }

        seen.ShouldBe([
            (1, "questions", _bob),
            (2, "prepare", _ann), (2, "speak", _ann),
            (2, "prepare", _bob), (2, "speak", _bob),
            (3, "discussion", _ann), (3, "discussion", _bob),
            (null, "finished", null),
        ]);
        _scripts.Stored[_session.Id].Status.ShouldBe(PracticeScriptStatus.Finished);
    }

    [Fact]
    public async Task TheDriver_GivesEndsAtFromTheStoredStart()
    {
        await Start(_ann);
        _deliveries.Clear();
        _time.Advance(TimeSpan.FromSeconds(305)); // the driver runs a little late

        await Tick();

        Sent()[0].Message.ShouldBe(new PracticePhaseMessage(new PracticePhaseData(_session.Id, 1, "questions", "2026-02-05T14:13:27.000000Z", _bob)));
    }

    [Fact]
    public async Task TheDriver_EndsTheScriptOfAnEndedSessionSilently()
    {
        await Start(_ann);
        _deliveries.Clear();
        _scripts.EndedSessions.Add(_session.Id);
        _time.Advance(TimeSpan.FromMinutes(5));

        (await Tick()).ShouldBe(0);

        Sent().ShouldBeEmpty();
        _scripts.Stored[_session.Id].Status.ShouldBe(PracticeScriptStatus.SessionEnded);
    }

    [Fact]
    public async Task Stop_EndsTheScriptForBoth_AndTheDriverSaysNothingMore()
    {
        await Start(_ann);
        _deliveries.Clear();

        var reply = await Stop(_bob);

        var finished = new PracticePhaseMessage(new PracticePhaseData(_session.Id, null, "finished", null, null));
        reply.Messages.ShouldBe([finished]);
        Sent().ShouldBe([(_ann, (ServerMessage)finished)]);
        _time.Advance(TimeSpan.FromHours(1));
        (await Tick()).ShouldBe(0);
        (await Stop(_ann)).Messages.ShouldBe([PracticeSocketErrors.NotRunning]);
        (await Start(_ann)).Messages.ShouldHaveSingleItem().ShouldBeOfType<PracticePhaseMessage>(); // a new run may start
    }

    [Fact]
    public async Task Stop_ByANonParticipantOrWithoutAScript_IsAnError()
    {
        (await Stop(_ann)).Messages.ShouldBe([PracticeSocketErrors.NotRunning]);
        await Start(_ann);
        (await Stop(Guid.NewGuid())).Messages.ShouldBe([PracticeSocketErrors.NotRunning]);
        _scripts.Stored[_session.Id].Status.ShouldBe(PracticeScriptStatus.Running);
    }

    [Fact]
    public async Task Start_WhileThePartnerIsAway_TheStarterStillGetsThePhase_AndThePartnerNothing()
    {
        _sessions.FindActiveForUserAsync(_ann, Arg.Any<CancellationToken>()).Returns(Fakes.Side(_session, _ann, null, _bobConnection));

        (await Start(_bob)).Messages.ShouldHaveSingleItem().ShouldBeOfType<PracticePhaseMessage>();

        Sent().ShouldBeEmpty();
    }
}
