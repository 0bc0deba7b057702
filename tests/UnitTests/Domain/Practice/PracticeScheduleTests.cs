using Microsoft.Extensions.Time.Testing;
using Speaking.Domain.Practice;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Domain.Practice;

public class PracticeScheduleTests
{
    private static readonly DateTime Start = Fakes.Now;
    private static readonly Guid Ann = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private static readonly PracticeSchedule Exam = PracticeSchedule.Plan(Start, PracticeTimings.Exam, Ann, Bob);

    [Fact]
    public void Plan_GoesThroughThePartsInExamOrder_AndSwapsRolesSoEachPartnerGetsEveryPart()
    {
        Exam.Phases.Select(p => (p.Part, p.Kind, p.SpeakerUserId)).ShouldBe([
            (1, PracticePhaseKind.Questions, Ann),
            (1, PracticePhaseKind.Questions, Bob),
            (2, PracticePhaseKind.Prepare, Ann),
            (2, PracticePhaseKind.Speak, Ann),
            (2, PracticePhaseKind.Prepare, Bob),
            (2, PracticePhaseKind.Speak, Bob),
            (3, PracticePhaseKind.Discussion, Ann),
            (3, PracticePhaseKind.Discussion, Bob),
        ]);
        Exam.Phases.Select(p => p.Index).ShouldBe(Enumerable.Range(0, 8));
    }

    [Fact]
    public void Plan_UsesTheExamTimingsByDefault_BackToBack()
    {
        Exam.Phases.Select(p => (p.EndsAt - p.StartsAt).TotalSeconds).ShouldBe([300, 300, 60, 120, 60, 120, 300, 300]);
        Exam.Phases.Zip(Exam.Phases.Skip(1)).ShouldAllBe(pair => pair.First.EndsAt == pair.Second.StartsAt);
        Exam.StartsAt.ShouldBe(Start);
        Exam.EndsAt.ShouldBe(Start.AddMinutes(26));
    }

    [Fact]
    public void Plan_FollowsOtherTimings()
    {
        var quick = PracticeSchedule.Plan(Start, new PracticeTimings(10, 2, 3, 4), Ann, Bob);

        quick.Phases.Select(p => (p.EndsAt - p.StartsAt).TotalSeconds).ShouldBe([10, 10, 2, 3, 2, 3, 4, 4]);
        Should.Throw<ArgumentException>(() => PracticeSchedule.Plan(Start, new PracticeTimings(10, 0, 3, 4), Ann, Bob));
        Should.Throw<ArgumentException>(() => PracticeSchedule.Plan(Start, PracticeTimings.Exam, Ann, Ann));
    }

    [Theory]
    [InlineData(-5, 0)]
    [InlineData(0, 0)]
    [InlineData(299.999, 0)]
    [InlineData(300, 1)]
    [InlineData(600, 2)]
    [InlineData(660, 3)]
    [InlineData(780, 4)]
    [InlineData(1559.5, 7)]
    public void At_GivesThePhaseRunningAtThatMoment(double secondsIn, int index) =>
        Exam.At(Start.AddSeconds(secondsIn))!.Index.ShouldBe(index);

    [Fact]
    public void At_IsNullOnceTheScriptIsOver()
    {
        Exam.At(Start.AddSeconds(1560)).ShouldBeNull();
        Exam.At(Start.AddDays(1)).ShouldBeNull();
    }
}

/// <summary>The stored script moved along by a clock the test controls.</summary>
public class PracticeScriptTests
{
    private static readonly Guid Ann = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(Fakes.Now));
    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    private PracticeScript StartByAnn() => PracticeScript.Start(Guid.NewGuid(), Ann, Bob, Now, PracticeTimings.Exam);

    [Fact]
    public void Start_AnnouncesPart1ForTheStarterFirst_DueWhenItEnds()
    {
        var script = StartByAnn();

        script.Status.ShouldBe(PracticeScriptStatus.Running);
        script.CurrentPhase.ShouldBe(new PracticePhase(0, 1, PracticePhaseKind.Questions, Ann, Now, Now.AddSeconds(300)));
        script.NextPhaseAt.ShouldBe(Now.AddSeconds(300));
    }

    [Fact]
    public void Advance_WalksEveryPhaseInOrderAsTheClockMoves_ThenFinishes()
    {
        var script = StartByAnn();
        var announced = new List<(int Part, PracticePhaseKind Kind, Guid Speaker)> { (1, PracticePhaseKind.Questions, Ann) };

        while (script.NextPhaseAt is { } due)
        {
            _clock.Advance(due - Now);
            var step = script.Advance(Now, sessionActive: true);
            if (step.Kind == PracticeStepKind.PhaseStarted) announced.Add((step.Phase!.Part, step.Phase.Kind, step.Phase.SpeakerUserId));
            else step.Kind.ShouldBe(PracticeStepKind.Finished);
        }

        announced.ShouldBe([
            (1, PracticePhaseKind.Questions, Ann), (1, PracticePhaseKind.Questions, Bob),
            (2, PracticePhaseKind.Prepare, Ann), (2, PracticePhaseKind.Speak, Ann),
            (2, PracticePhaseKind.Prepare, Bob), (2, PracticePhaseKind.Speak, Bob),
            (3, PracticePhaseKind.Discussion, Ann), (3, PracticePhaseKind.Discussion, Bob),
        ]);
        script.Status.ShouldBe(PracticeScriptStatus.Finished);
        script.Advance(Now, true).ShouldBe(PracticeStep.None);
    }

    [Fact]
    public void Advance_BeforeThePhaseEnds_ChangesNothing()
    {
        var script = StartByAnn();
        _clock.Advance(TimeSpan.FromSeconds(299));

        script.Advance(Now, true).ShouldBe(PracticeStep.None);
        script.PhaseIndex.ShouldBe(0);
    }

    [Fact]
    public void Advance_AfterALongPause_JumpsToThePhaseRunningNow()
    {
        var script = StartByAnn();
        _clock.Advance(TimeSpan.FromSeconds(700)); // 300 + 300 + 60 + 40: Ann is speaking about the card

        var step = script.Advance(Now, true);

        step.Kind.ShouldBe(PracticeStepKind.PhaseStarted);
        step.Phase!.Index.ShouldBe(3);
        (step.Phase.Part, step.Phase.Kind, step.Phase.SpeakerUserId).ShouldBe((2, PracticePhaseKind.Speak, Ann));
        script.NextPhaseAt.ShouldBe(Fakes.Now.AddSeconds(780));
    }

    [Fact]
    public void Advance_WhenTheSessionEnded_EndsSilently()
    {
        var script = StartByAnn();
        _clock.Advance(TimeSpan.FromSeconds(300));

        script.Advance(Now, sessionActive: false).Kind.ShouldBe(PracticeStepKind.Ended);
        script.Status.ShouldBe(PracticeScriptStatus.SessionEnded);
        script.NextPhaseAt.ShouldBeNull();
    }

    [Fact]
    public void Stop_EndsARunningScriptOnce()
    {
        var script = StartByAnn();

        script.Stop().ShouldBeTrue();
        script.Status.ShouldBe(PracticeScriptStatus.Stopped);
        script.NextPhaseAt.ShouldBeNull();
        script.Stop().ShouldBeFalse();
        _clock.Advance(TimeSpan.FromHours(1));
        script.Advance(Now, true).ShouldBe(PracticeStep.None);
    }

    [Fact]
    public void Restore_RebuildsTheSameSchedule()
    {
        var script = StartByAnn();
        var restored = PracticeScript.Restore(script.SessionId, Ann, Bob, script.StartedAt, script.Timings, script.Status, script.PhaseIndex,
            script.NextPhaseAt);

        restored.Schedule.Phases.ShouldBe(script.Schedule.Phases);
        restored.IsSpeaker(Bob).ShouldBeTrue();
        restored.IsSpeaker(Guid.NewGuid()).ShouldBeFalse();
    }
}
