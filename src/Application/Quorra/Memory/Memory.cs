using System.Text.Json.Serialization;
using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Memory;

/// <summary>A memory snapshot as the wire shows it.</summary>
public sealed record MemorySnapshotView(Guid Id, Guid User, string Context, string? Mood, IReadOnlyList<string> Tags, bool Archived,
    [property: JsonPropertyName("createdAt")] DateTime CreatedAt);

public interface IMemoryRepository
{
    Task AddAsync(MemorySnapshotView snapshot, CancellationToken ct);

    /// <summary>The user's snapshots that are not archived, newest first.</summary>
    Task<IReadOnlyList<MemorySnapshotView>> ListActiveAsync(Guid userId, CancellationToken ct);
}

public sealed record SaveMemoryCommand(Guid UserId, Input<string> Context, Input<string> Mood, Input<IReadOnlyList<string>> Tags)
    : IRequest<MemorySnapshotView>;

public sealed class SaveMemoryCommandValidator : AbstractValidator<SaveMemoryCommand>
{
    public SaveMemoryCommandValidator()
    {
        RuleFor(x => x.Context).Text("context", TextLimits.Long);
        RuleFor(x => x.Mood).Text("mood", TextLimits.Short, required: false);
        RuleFor(x => x.Tags).Tags("tags", TextLimits.MaxTags, TextLimits.TagMax);
    }
}

public sealed class SaveMemoryCommandHandler(IMemoryRepository memories, IClock clock) : IRequestHandler<SaveMemoryCommand, MemorySnapshotView>
{
    public async Task<MemorySnapshotView> Handle(SaveMemoryCommand request, CancellationToken cancellationToken)
    {
        var snapshot = new MemorySnapshotView(Guid.NewGuid(), request.UserId, request.Context.Value!, request.Mood.ValueOr(null!),
            request.Tags.ValueOr([]), Archived: false, clock.UtcNow);
        await memories.AddAsync(snapshot, cancellationToken);
        return snapshot;
    }
}

public sealed record ListMemoriesQuery(Guid UserId) : IRequest<IReadOnlyList<MemorySnapshotView>>;

public sealed class ListMemoriesQueryHandler(IMemoryRepository memories) : IRequestHandler<ListMemoriesQuery, IReadOnlyList<MemorySnapshotView>>
{
    public Task<IReadOnlyList<MemorySnapshotView>> Handle(ListMemoriesQuery request, CancellationToken cancellationToken) =>
        memories.ListActiveAsync(request.UserId, cancellationToken);
}
