namespace Speaking.Domain.Practice;

public enum PracticeScriptStatus
{
    Running,
    /// <summary>Every phase ran to its end.</summary>
    Finished,
    /// <summary>A participant sent practice_stop.</summary>
    Stopped,
    /// <summary>The session ended while the script ran; session_ended already told both, so nothing more is sent.</summary>
    SessionEnded,
}

public static class PracticeScriptStatusNames
{
    public static string ToWire(this PracticeScriptStatus status) => status switch
    {
        PracticeScriptStatus.Running => "running",
        PracticeScriptStatus.Finished => "finished",
        PracticeScriptStatus.Stopped => "stopped",
        _ => "session_ended",
    };

    public static PracticeScriptStatus Parse(string value) => value switch
    {
        "running" => PracticeScriptStatus.Running,
        "finished" => PracticeScriptStatus.Finished,
        "stopped" => PracticeScriptStatus.Stopped,
        "session_ended" => PracticeScriptStatus.SessionEnded,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown practice script status."),
    };
}

public enum PracticeStepKind
{
    /// <summary>Nothing to announce.</summary>
    None,
    /// <summary>A new phase began: both participants are told.</summary>
    PhaseStarted,
    /// <summary>The script is over (ran out or was stopped): both participants are told.</summary>
    Finished,
    /// <summary>The session is gone; the script ends silently.</summary>
    Ended,
}

public sealed record PracticeStep(PracticeStepKind Kind, PracticePhase? Phase = null)
{
    public static readonly PracticeStep None = new(PracticeStepKind.None);
}

/// <summary>
/// A running timed script as stored: its start, its timings, the two speakers, the last phase announced and when
/// the next change is due. The schedule itself is never stored: it follows from these.
/// </summary>
public sealed class PracticeScript
{
    private PracticeScript() { }

    public Guid SessionId { get; private set; }
    public Guid FirstSpeakerId { get; private set; }
    public Guid SecondSpeakerId { get; private set; }
    public DateTime StartedAt { get; private set; }
    public PracticeTimings Timings { get; private set; } = PracticeTimings.Exam;
    public PracticeScriptStatus Status { get; private set; }
    /// <summary>The phase last announced.</summary>
    public int PhaseIndex { get; private set; }
    /// <summary>When the announced phase ends; null once the script is not running.</summary>
    public DateTime? NextPhaseAt { get; private set; }

    public PracticeSchedule Schedule => PracticeSchedule.Plan(StartedAt, Timings, FirstSpeakerId, SecondSpeakerId);

    public PracticePhase CurrentPhase => Schedule.Phases[PhaseIndex];

    /// <summary>Starts the script now; whoever asked for it is the first candidate, the partner the first examiner.</summary>
    public static PracticeScript Start(Guid sessionId, Guid startedBy, Guid partner, DateTime now, PracticeTimings timings)
    {
        var script = new PracticeScript
        {
            SessionId = sessionId, FirstSpeakerId = startedBy, SecondSpeakerId = partner, StartedAt = now, Timings = timings,
            Status = PracticeScriptStatus.Running, PhaseIndex = 0,
        };
        script.NextPhaseAt = script.Schedule.Phases[0].EndsAt;
        return script;
    }

    public static PracticeScript Restore(Guid sessionId, Guid firstSpeaker, Guid secondSpeaker, DateTime startedAt, PracticeTimings timings,
        PracticeScriptStatus status, int phaseIndex, DateTime? nextPhaseAt) => new()
    {
        SessionId = sessionId, FirstSpeakerId = firstSpeaker, SecondSpeakerId = secondSpeaker, StartedAt = startedAt, Timings = timings,
        Status = status, PhaseIndex = phaseIndex, NextPhaseAt = nextPhaseAt,
    };

    /// <summary>
    /// Moves the script to what the schedule says for <paramref name="now"/>. Phases that passed while nobody looked
    /// (a node was down) are skipped: the pair is told only about the phase running now.
    /// </summary>
    public PracticeStep Advance(DateTime now, bool sessionActive)
    {
        if (Status != PracticeScriptStatus.Running) return PracticeStep.None;
        if (!sessionActive)
        {
            End(PracticeScriptStatus.SessionEnded);
            return new PracticeStep(PracticeStepKind.Ended);
        }

        var phase = Schedule.At(now);
        if (phase is null)
        {
            End(PracticeScriptStatus.Finished);
            return new PracticeStep(PracticeStepKind.Finished);
        }

        NextPhaseAt = phase.EndsAt;
        if (phase.Index <= PhaseIndex) return PracticeStep.None;
        PhaseIndex = phase.Index;
        return new PracticeStep(PracticeStepKind.PhaseStarted, phase);
    }

    /// <summary>practice_stop: ends a running script early.</summary>
    public bool Stop()
    {
        if (Status != PracticeScriptStatus.Running) return false;
        End(PracticeScriptStatus.Stopped);
        return true;
    }

    public bool IsSpeaker(Guid userId) => userId == FirstSpeakerId || userId == SecondSpeakerId;

    private void End(PracticeScriptStatus status)
    {
        Status = status;
        NextPhaseAt = null;
    }
}
