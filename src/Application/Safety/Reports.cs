using FluentValidation;
using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Sessions;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Safety;
using Speaking.Domain.Users;

namespace Speaking.Application.Safety;

/// <summary>A report as its reporter sees it (whether it counted, and what it caused, is for moderators).</summary>
public sealed record ReportView(Guid Id, Guid TargetUserId, string Reason, string? Details, Guid? SessionId, DateTime CreatedAt);

/// <summary>
/// <c>POST /users/{user_id}/report {reason, details?, session_id?}</c>: stored once per reporter, target and session.
/// A report whose reporter had contact with the target counts; when counted, unresolved reports reach
/// REPORT_SUSPEND_THRESHOLD distinct reporters within REPORT_WINDOW_DAYS, the target is suspended
/// (<see cref="SuspensionRule"/>).
/// </summary>
public sealed record ReportUserCommand(Guid CallerId, Input<Guid> UserId, BodyShape Body, Input<string> Reason, Input<string> Details,
    Input<Guid> SessionId) : IRequest<Result<ReportView>>
{
    public const int MaxDetailsLength = 1000;
}

public sealed class ReportUserCommandValidator : AbstractValidator<ReportUserCommand>
{
    private static readonly string Expected = string.Join(", ", ReportReasonNames.All.SkipLast(1).Select(r => $"'{r}'"))
        + $" or '{ReportReasonNames.All[^1]}'";

    public ReportUserCommandValidator()
    {
        RuleFor(x => x.UserId).Uuid("path.user_id");
        RuleFor(x => x.Body).RequiredBody();
        When(x => x.Body == BodyShape.Object, () =>
        {
            RuleFor(x => x.Reason).Custom((input, context) =>
            {
                if (input.State == InputState.Missing) context.Fail("body.reason", "missing", "Field required", null);
                else if (!input.IsPresent || !ReportReasonNames.TryParse(input.Value, out _))
                    context.Fail("body.reason", "enum", "Input should be " + Expected, input.Raw,
                        new Dictionary<string, object?> { ["expected"] = Expected });
            });
            // An explicit null means "no details" / "no session".
            RuleFor(x => x.Details).Text("body.details", 0, ReportUserCommand.MaxDetailsLength, required: false)
                .When(x => x.Details.State != InputState.Null);
            RuleFor(x => x.SessionId).Uuid("body.session_id").When(x => x.SessionId.State is InputState.Present or InputState.Invalid);
        });
    }
}

public sealed class ReportUserCommandHandler(IUserRepository users, ISessionRepository sessions, IReportRepository reports, IClock clock,
    IOptions<SafetyOptions> options) : IRequestHandler<ReportUserCommand, Result<ReportView>>
{
    public async Task<Result<ReportView>> Handle(ReportUserCommand request, CancellationToken cancellationToken)
    {
        var reporter = request.CallerId;
        var target = request.UserId.Value;
        if (target == reporter) return SafetyErrors.CannotReportYourself;
        if (await users.GetAsync(target, cancellationToken) is null) return UserErrors.NotFound;

        Guid? sessionId = request.SessionId.IsPresent ? request.SessionId.Value : null;
        if (sessionId is { } id)
        {
            var session = await sessions.GetAsync(id, cancellationToken);
            if (session is null || !session.IsParticipant(reporter) || !session.IsParticipant(target)) return SafetyErrors.SessionNotFound;
        }

        ReportReasonNames.TryParse(request.Reason.Value, out var reason);
        var details = request.Details.IsPresent && !string.IsNullOrWhiteSpace(request.Details.Value) ? request.Details.Value : null;
        var contact = await reports.ContactAsync(reporter, target, cancellationToken);
        var now = clock.UtcNow;
        var policy = options.Value.Policy;
        var report = new StoredReport(Guid.NewGuid(), reporter, target, reason, details, sessionId, contact.Counts, now);

        var counted = await reports.AddAsync(report, SuspensionRule.RelevantSince(now, policy), cancellationToken);
        if (counted is null) return sessionId is null ? SafetyErrors.AlreadyReported : SafetyErrors.AlreadyReportedForSession;
        if (report.Counted && SuspensionRule.SuspendedUntil(counted, policy) is { } until && until > now)
            await reports.SuspendAsync(target, until, report.Id, cancellationToken);

        return new ReportView(report.Id, target, reason.ToWire(), details, sessionId, now);
    }
}
