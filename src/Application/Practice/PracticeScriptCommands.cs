using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Realtime;
using Speaking.Application.Realtime.Wire;
using Speaking.Application.Sessions;
using Speaking.Domain.Practice;

namespace Speaking.Application.Practice;

/// <summary>The <c>error</c> answers of practice_start and practice_stop (the socket stays open).</summary>
public static class PracticeSocketErrors
{
    public static readonly ErrorMessage NoActiveSession = new("Not in this active session");
    public static readonly ErrorMessage AlreadyRunning = new("Practice already running");
    public static readonly ErrorMessage NotRunning = new("No practice running");
}

/// <summary>
/// <c>practice_start</c>: a participant of an active session starts the timed exam script for both. The sender is
/// the first candidate. Both get the first <c>practice_phase</c> at once; later phases come from
/// <see cref="AdvancePracticeScriptsCommand"/>, on whichever node claims them.
/// </summary>
public sealed record StartPracticeCommand(Guid UserId, Guid SessionId) : IRequest<SocketReply>;

public sealed class StartPracticeCommandHandler(ISessionRepository sessions, IPracticeScriptRepository scripts, IRealtimeNotifier notifier,
    IClock clock, IOptions<PracticeOptions> options) : IRequestHandler<StartPracticeCommand, SocketReply>
{
    public async Task<SocketReply> Handle(StartPracticeCommand request, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(request.SessionId, cancellationToken);
        if (session is null || !session.IsParticipant(request.UserId) || !session.IsActive) return PracticeSocketErrors.NoActiveSession;

        var script = PracticeScript.Start(session.Id, request.UserId, session.PartnerOf(request.UserId), clock.UtcNow, options.Value.Timings);
        if (!await scripts.TryStartAsync(script, cancellationToken)) return PracticeSocketErrors.AlreadyRunning;

        var first = PracticePhaseMessage.Started(session.Id, script.CurrentPhase);
        await notifier.SendToSideAsync(sessions, session.Id, session.PartnerOf(request.UserId), first, cancellationToken);
        return first;
    }
}

/// <summary><c>practice_stop</c>: either participant ends the running script early; both are told it finished.</summary>
public sealed record StopPracticeCommand(Guid UserId, Guid SessionId) : IRequest<SocketReply>;

public sealed class StopPracticeCommandHandler(IPracticeScriptRepository scripts, ISessionRepository sessions, IRealtimeNotifier notifier)
    : IRequestHandler<StopPracticeCommand, SocketReply>
{
    public async Task<SocketReply> Handle(StopPracticeCommand request, CancellationToken cancellationToken)
    {
        var script = await scripts.GetAsync(request.SessionId, cancellationToken);
        if (script is null || !script.IsSpeaker(request.UserId) || !script.Stop() || !await scripts.SaveStopAsync(script, cancellationToken))
            return PracticeSocketErrors.NotRunning;

        var finished = PracticePhaseMessage.Finished(script.SessionId);
        var partner = script.FirstSpeakerId == request.UserId ? script.SecondSpeakerId : script.FirstSpeakerId;
        await notifier.SendToSideAsync(sessions, script.SessionId, partner, finished, cancellationToken);
        return finished;
    }
}

/// <summary>
/// One pass of the script driver: claim the scripts whose phase ended (each claimed by exactly one node), move each to
/// the phase the schedule says is running now, commit, then tell both participants. Returns how many were announced.
/// </summary>
public sealed record AdvancePracticeScriptsCommand : IRequest<int>
{
    public const int BatchSize = 200;
}

public sealed class AdvancePracticeScriptsCommandHandler(IPracticeScriptRepository scripts, ISessionRepository sessions, IRealtimeNotifier notifier,
    IClock clock)
    : IRequestHandler<AdvancePracticeScriptsCommand, int>
{
    public async Task<int> Handle(AdvancePracticeScriptsCommand request, CancellationToken cancellationToken)
    {
        var now = clock.UtcNow;
        var announcements = new List<(PracticeScript Script, PracticePhaseMessage Message)>();
        await using (var claim = await scripts.ClaimDueAsync(now, AdvancePracticeScriptsCommand.BatchSize, cancellationToken))
        {
            if (claim.Scripts.Count == 0) return 0;
            foreach (var (script, sessionActive) in claim.Scripts)
            {
                var step = script.Advance(now, sessionActive);
                await claim.SaveAsync(script, cancellationToken);
                if (step.Kind == PracticeStepKind.PhaseStarted) announcements.Add((script, PracticePhaseMessage.Started(script.SessionId, step.Phase!)));
                else if (step.Kind == PracticeStepKind.Finished) announcements.Add((script, PracticePhaseMessage.Finished(script.SessionId)));
            }

            await claim.CommitAsync(cancellationToken);
        }

        foreach (var (script, message) in announcements)
        {
            await notifier.SendToSideAsync(sessions, script.SessionId, script.FirstSpeakerId, message, cancellationToken);
            await notifier.SendToSideAsync(sessions, script.SessionId, script.SecondSpeakerId, message, cancellationToken);
        }

        return announcements.Count;
    }
}

/// <summary>The chat-retention job: chat older than CHAT_RETENTION_DAYS is deleted. Returns how many messages went.</summary>
public sealed record PurgeOldChatCommand : IRequest<int>;

public sealed class PurgeOldChatCommandHandler(IChatArchive chat, IClock clock, IOptions<PracticeOptions> options)
    : IRequestHandler<PurgeOldChatCommand, int>
{
    public Task<int> Handle(PurgeOldChatCommand request, CancellationToken cancellationToken) =>
        chat.DeleteOlderThanAsync(clock.UtcNow.AddDays(-options.Value.ChatRetentionDays), cancellationToken);
}
