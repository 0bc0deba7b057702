namespace Speaking.Domain.Practice;

/// <summary>What the pair is doing in a phase of the timed script.</summary>
public enum PracticePhaseKind
{
    /// <summary>Part 1: the partner asks the speaker questions on familiar topics.</summary>
    Questions,
    /// <summary>Part 2: the speaker reads the cue card and makes notes.</summary>
    Prepare,
    /// <summary>Part 2: the speaker talks about the card.</summary>
    Speak,
    /// <summary>Part 3: the partner asks the card's Part 3 questions and they discuss.</summary>
    Discussion,
}

public static class PracticePhaseKindNames
{
    public static string ToWire(this PracticePhaseKind kind) => kind switch
    {
        PracticePhaseKind.Questions => "questions",
        PracticePhaseKind.Prepare => "prepare",
        PracticePhaseKind.Speak => "speak",
        _ => "discussion",
    };
}

/// <summary>How long each phase lasts; the defaults are the exam's (Part 1 and 3 up to 5 minutes, 1 + 2 minutes for Part 2).</summary>
public sealed record PracticeTimings(int Part1Seconds, int PrepareSeconds, int SpeakSeconds, int Part3Seconds)
{
    public static readonly PracticeTimings Exam = new(300, 60, 120, 300);

    public bool AreValid => Part1Seconds > 0 && PrepareSeconds > 0 && SpeakSeconds > 0 && Part3Seconds > 0;
}

/// <summary>One phase: which part, what happens, who is the candidate, and from when until when.</summary>
public sealed record PracticePhase(int Index, int Part, PracticePhaseKind Kind, Guid SpeakerUserId, DateTime StartsAt, DateTime EndsAt);

/// <summary>
/// The timed exam script as a pure schedule. Each partner is the candidate once in every part while the other
/// plays the examiner: Part 1 for the first speaker, then the second; Part 2 (prepare, speak) for the first, then
/// the second; Part 3 for the first, then the second. Which phase is current follows from the start time alone,
/// so whichever node looks at a script, at whatever moment, reaches the same answer.
/// </summary>
public sealed class PracticeSchedule
{
    private PracticeSchedule(IReadOnlyList<PracticePhase> phases) => Phases = phases;

    public IReadOnlyList<PracticePhase> Phases { get; }

    public DateTime StartsAt => Phases[0].StartsAt;

    public DateTime EndsAt => Phases[^1].EndsAt;

    public static PracticeSchedule Plan(DateTime startedAt, PracticeTimings timings, Guid firstSpeaker, Guid secondSpeaker)
    {
        if (!timings.AreValid) throw new ArgumentException("Every phase needs a positive length.", nameof(timings));
        if (firstSpeaker == secondSpeaker) throw new ArgumentException("The script needs two different speakers.", nameof(secondSpeaker));

        var steps = new (int Part, PracticePhaseKind Kind, Guid Speaker, int Seconds)[]
        {
            (1, PracticePhaseKind.Questions, firstSpeaker, timings.Part1Seconds),
            (1, PracticePhaseKind.Questions, secondSpeaker, timings.Part1Seconds),
            (2, PracticePhaseKind.Prepare, firstSpeaker, timings.PrepareSeconds),
            (2, PracticePhaseKind.Speak, firstSpeaker, timings.SpeakSeconds),
            (2, PracticePhaseKind.Prepare, secondSpeaker, timings.PrepareSeconds),
            (2, PracticePhaseKind.Speak, secondSpeaker, timings.SpeakSeconds),
            (3, PracticePhaseKind.Discussion, firstSpeaker, timings.Part3Seconds),
            (3, PracticePhaseKind.Discussion, secondSpeaker, timings.Part3Seconds),
        };

        var phases = new List<PracticePhase>(steps.Length);
        var start = startedAt;
        foreach (var (part, kind, speaker, seconds) in steps)
        {
            var end = start.AddSeconds(seconds);
            phases.Add(new PracticePhase(phases.Count, part, kind, speaker, start, end));
            start = end;
        }

        return new PracticeSchedule(phases);
    }

    /// <summary>The phase running at <paramref name="now"/> (a phase owns its start, not its end); null once the script is over.</summary>
    public PracticePhase? At(DateTime now)
    {
        if (now < StartsAt) return Phases[0];
        foreach (var phase in Phases)
        {
            if (now < phase.EndsAt) return phase;
        }

        return null;
    }
}
