using System.Text.Json.Serialization;
using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Offline;

/// <summary>A command a client queued while offline, waiting for the sync to archive it.</summary>
public sealed record PendingCommandView(Guid Id, Guid User, [property: JsonPropertyName("clientId")] string ClientId,
    [property: JsonPropertyName("inputType")] string InputType, string Content, string? Response, string? Mood,
    [property: JsonPropertyName("createdAt")] DateTime CreatedAt);

public interface IOfflineQueueRepository
{
    /// <summary>Stores the pending command unless this user already queued one with the same client id (then nothing changes).</summary>
    Task<bool> TryEnqueueAsync(PendingCommandView pending, CancellationToken ct);

    /// <summary>The user's commands not yet archived, oldest first (the order they were issued in).</summary>
    Task<IReadOnlyList<PendingCommandView>> ListPendingAsync(Guid userId, CancellationToken ct);

    /// <summary>
    /// Moves up to <paramref name="batch"/> pending commands into the command archive in one statement: each is
    /// marked synced and archived exactly once, whatever other syncs run at the same time. Returns how many moved.
    /// </summary>
    Task<int> SyncBatchAsync(int batch, CancellationToken ct);
}

public sealed record QueueOfflineCommand(Guid UserId, Input<string> ClientId, Input<string> InputType, Input<string> Content,
    Input<string> Response, Input<string> Mood) : IRequest<string>;

public sealed class QueueOfflineCommandValidator : AbstractValidator<QueueOfflineCommand>
{
    public QueueOfflineCommandValidator()
    {
        RuleFor(x => x.ClientId).Text("clientId", TextLimits.Short);
        RuleFor(x => x.InputType).OneOf("inputType", Vocabulary.CommandInputTypes);
        RuleFor(x => x.Content).Text("content", TextLimits.Long);
        RuleFor(x => x.Response).Text("response", TextLimits.Long, required: false);
        RuleFor(x => x.Mood).Text("mood", TextLimits.Short, required: false);
    }
}

/// <summary>Idempotent by clientId: a retry (even after the sync archived the first) stores nothing new and answers the same.</summary>
public sealed class QueueOfflineCommandHandler(IOfflineQueueRepository queue, IClock clock) : IRequestHandler<QueueOfflineCommand, string>
{
    public async Task<string> Handle(QueueOfflineCommand request, CancellationToken cancellationToken)
    {
        await queue.TryEnqueueAsync(new PendingCommandView(Guid.NewGuid(), request.UserId, request.ClientId.Value!, request.InputType.Value!,
            request.Content.Value!, request.Response.ValueOr(null!), request.Mood.ValueOr(null!), clock.UtcNow), cancellationToken);
        return "Queued offline";
    }
}

public sealed record ListPendingCommandsQuery(Guid UserId) : IRequest<IReadOnlyList<PendingCommandView>>;

public sealed class ListPendingCommandsQueryHandler(IOfflineQueueRepository queue)
    : IRequestHandler<ListPendingCommandsQuery, IReadOnlyList<PendingCommandView>>
{
    public Task<IReadOnlyList<PendingCommandView>> Handle(ListPendingCommandsQuery request, CancellationToken cancellationToken) =>
        queue.ListPendingAsync(request.UserId, cancellationToken);
}

/// <summary>One sync run: batches until nothing is pending. Returns how many commands this run archived.</summary>
public sealed record SyncOfflineQueueCommand : IRequest<int>
{
    public const int BatchSize = 500;
}

public sealed class SyncOfflineQueueCommandHandler(IOfflineQueueRepository queue) : IRequestHandler<SyncOfflineQueueCommand, int>
{
    public async Task<int> Handle(SyncOfflineQueueCommand request, CancellationToken cancellationToken)
    {
        var total = 0;
        int moved;
        do
        {
            moved = await queue.SyncBatchAsync(SyncOfflineQueueCommand.BatchSize, cancellationToken);
            total += moved;
        } while (moved == SyncOfflineQueueCommand.BatchSize);

        return total;
    }
}
