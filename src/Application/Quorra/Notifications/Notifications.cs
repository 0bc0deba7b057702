using System.Text.Json.Serialization;
using FluentValidation;
using MediatR;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.Notifications;

/// <summary>A notification. <see cref="DeliveredAt"/> is when a due reminder was pushed to the owner's socket.</summary>
public sealed record NotificationView(Guid Id, Guid User, string Title, string? Body, string Type,
    [property: JsonPropertyName("scheduledAt")] DateTime ScheduledAt, bool Read,
    [property: JsonPropertyName("deliveredAt")] DateTime? DeliveredAt,
    [property: JsonPropertyName("createdAt")] DateTime CreatedAt);

public interface INotificationRepository
{
    Task AddAsync(NotificationView notification, CancellationToken ct);

    /// <summary>The user's notifications, latest <c>scheduledAt</c> first.</summary>
    Task<IReadOnlyList<NotificationView>> ListAsync(Guid userId, CancellationToken ct);

    /// <summary>Marks the user's own notification read; null when the user has no notification with that id.</summary>
    Task<NotificationView?> MarkReadAsync(Guid userId, Guid id, CancellationToken ct);

    /// <summary>
    /// Atomically marks as delivered, and returns, the due undelivered reminders of these users (reminders whose
    /// time has come). A reminder is returned by exactly one call, whichever node makes it.
    /// </summary>
    Task<IReadOnlyList<NotificationView>> ClaimDueRemindersAsync(IReadOnlyCollection<Guid> userIds, CancellationToken ct);

    /// <summary>Undoes a claim whose push found no open socket, so the next connect delivers it.</summary>
    Task ReleaseAsync(Guid id, CancellationToken ct);
}

/// <summary>
/// {title, body, type, scheduledAt}: <c>title</c> and <c>type</c> are required; <c>scheduledAt</c> (ISO 8601 or
/// milliseconds since 1970) defaults to now, so a reminder without a time is due at once.
/// </summary>
public sealed record CreateNotificationCommand(Guid UserId, Input<string> Title, Input<string> Body, Input<string> Type,
    Input<DateTime> ScheduledAt) : IRequest<NotificationView>;

public sealed class CreateNotificationCommandValidator : AbstractValidator<CreateNotificationCommand>
{
    public CreateNotificationCommandValidator()
    {
        RuleFor(x => x.Title).Text("title", TextLimits.Short);
        RuleFor(x => x.Body).Text("body", TextLimits.Long, required: false);
        RuleFor(x => x.Type).OneOf("type", Vocabulary.NotificationTypes);
        RuleFor(x => x.ScheduledAt).Time("scheduledAt");
    }
}

public sealed class CreateNotificationCommandHandler(INotificationRepository notifications, IClock clock)
    : IRequestHandler<CreateNotificationCommand, NotificationView>
{
    public async Task<NotificationView> Handle(CreateNotificationCommand request, CancellationToken cancellationToken)
    {
        var now = clock.UtcNow;
        var notification = new NotificationView(Guid.NewGuid(), request.UserId, request.Title.Value!, request.Body.ValueOr(null!),
            request.Type.Value!, request.ScheduledAt.ValueOr(now), Read: false, DeliveredAt: null, now);
        await notifications.AddAsync(notification, cancellationToken);
        return notification;
    }
}

public sealed record ListNotificationsQuery(Guid UserId) : IRequest<IReadOnlyList<NotificationView>>;

public sealed class ListNotificationsQueryHandler(INotificationRepository notifications)
    : IRequestHandler<ListNotificationsQuery, IReadOnlyList<NotificationView>>
{
    public Task<IReadOnlyList<NotificationView>> Handle(ListNotificationsQuery request, CancellationToken cancellationToken) =>
        notifications.ListAsync(request.UserId, cancellationToken);
}

public sealed record MarkNotificationReadCommand(Guid UserId, string NotificationId) : IRequest<Result<NotificationView>>;

public sealed class MarkNotificationReadCommandHandler(INotificationRepository notifications)
    : IRequestHandler<MarkNotificationReadCommand, Result<NotificationView>>
{
    public async Task<Result<NotificationView>> Handle(MarkNotificationReadCommand request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.NotificationId, out var id)) return QuorraErrors.NotificationNotFound;
        var updated = await notifications.MarkReadAsync(request.UserId, id, cancellationToken);
        return updated is null ? QuorraErrors.NotificationNotFound : updated;
    }
}

/// <summary>Claims the due reminders of users connected to this node, for the caller to push.</summary>
public sealed record ClaimDueRemindersCommand(IReadOnlyCollection<Guid> UserIds) : IRequest<IReadOnlyList<NotificationView>>;

public sealed class ClaimDueRemindersCommandHandler(INotificationRepository notifications)
    : IRequestHandler<ClaimDueRemindersCommand, IReadOnlyList<NotificationView>>
{
    public async Task<IReadOnlyList<NotificationView>> Handle(ClaimDueRemindersCommand request, CancellationToken cancellationToken) =>
        request.UserIds.Count == 0 ? [] : await notifications.ClaimDueRemindersAsync(request.UserIds, cancellationToken);
}

public sealed record ReleaseReminderCommand(Guid NotificationId) : IRequest<bool>;

public sealed class ReleaseReminderCommandHandler(INotificationRepository notifications) : IRequestHandler<ReleaseReminderCommand, bool>
{
    public async Task<bool> Handle(ReleaseReminderCommand request, CancellationToken cancellationToken)
    {
        await notifications.ReleaseAsync(request.NotificationId, cancellationToken);
        return true;
    }
}
