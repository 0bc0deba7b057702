using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.Extensions.Options;
using Speaking.Application.Common;
using Speaking.Application.Quorra.Common;
using Speaking.Domain.Common;
using Speaking.Domain.Quorra;

namespace Speaking.Application.Quorra.SystemControl;

public sealed class RootOptions
{
    /// <summary>ROOT_PIN as configured (null when unset).</summary>
    public string? Pin { get; set; }
    public int MaxFailuresPerUser { get; set; } = 5;
    public int MaxFailuresPerAddress { get; set; } = 20;
    public int FailureWindowSeconds { get; set; } = 300;
}

public enum AuditOutcome
{
    Applied,
    Denied,
}

/// <summary>One row of the audit table: who asked for what, when, from where, and whether it was allowed.</summary>
public sealed record AuditEntry(Guid Id, Guid UserId, string Action, string? ParamsJson, AuditOutcome Outcome, string? ClientAddress, DateTime At);

public interface ISystemAuditRepository
{
    Task RecordAsync(AuditEntry entry, CancellationToken ct);

    /// <summary>Wrong PINs since <paramref name="since"/> by this user, and from this address.</summary>
    Task<(int ByUser, int ByAddress)> CountDeniedSinceAsync(Guid userId, string? clientAddress, DateTime since, CancellationToken ct);
}

/// <summary>
/// The root guard, run before the action's body is even read: the PIN must be configured (and not the original's
/// default), the caller must not be over the wrong-PIN limits, and <c>x-root-pin</c> must match.
/// Wrong PINs are audited as denied; those rows are also what the limits count, so they hold across nodes.
/// </summary>
public sealed record CheckRootAccessCommand(Guid UserId, string Action, string? Pin, string? ClientAddress) : IRequest<Result<bool>>;

public sealed class CheckRootAccessCommandHandler(ISystemAuditRepository audit, IOptions<RootOptions> options, IClock clock)
    : IRequestHandler<CheckRootAccessCommand, Result<bool>>
{
    private readonly RootPin _pin = RootPin.From(options.Value.Pin);

    public async Task<Result<bool>> Handle(CheckRootAccessCommand request, CancellationToken cancellationToken)
    {
        if (!_pin.IsConfigured) return QuorraErrors.RootPinNotConfigured;

        var limits = options.Value;
        var now = clock.UtcNow;
        var (byUser, byAddress) = await audit.CountDeniedSinceAsync(request.UserId, request.ClientAddress,
            now.AddSeconds(-limits.FailureWindowSeconds), cancellationToken);
        if (byUser >= limits.MaxFailuresPerUser || byAddress >= limits.MaxFailuresPerAddress) return QuorraErrors.TooManyRootAttempts;

        if (_pin.Matches(request.Pin)) return true;
        await audit.RecordAsync(new AuditEntry(Guid.NewGuid(), request.UserId, request.Action, null, AuditOutcome.Denied,
            request.ClientAddress, now), cancellationToken);
        return QuorraErrors.RootDenied;
    }
}

/// <summary>What a system route answers: the original's message, marked as simulated, with the audited parameters.</summary>
public sealed record SystemActionResult(string Message, bool Simulated, string Action, IReadOnlyDictionary<string, object> Params);

public sealed record SetVolumeCommand(Guid UserId, string? ClientAddress, Input<double> Level) : IRequest<SystemActionResult>;

public sealed class SetVolumeCommandValidator : AbstractValidator<SetVolumeCommand>
{
    public SetVolumeCommandValidator() =>
        RuleFor(x => x.Level).Number("level", SystemActions.VolumeMin, SystemActions.VolumeMax, required: true, whole: true);
}

public sealed class SetVolumeCommandHandler(ISystemAuditRepository audit, IClock clock) : IRequestHandler<SetVolumeCommand, SystemActionResult>
{
    public Task<SystemActionResult> Handle(SetVolumeCommand request, CancellationToken cancellationToken) =>
        SystemActionRecorder.RecordAsync(audit, clock, request.UserId, request.ClientAddress, SystemActions.Volume,
            new Dictionary<string, object> { ["level"] = (int)request.Level.Value }, cancellationToken);
}

public sealed record SetAlarmCommand(Guid UserId, string? ClientAddress, Input<string> At) : IRequest<SystemActionResult>;

public sealed class SetAlarmCommandValidator : AbstractValidator<SetAlarmCommand>
{
    public SetAlarmCommandValidator()
    {
        RuleFor(x => x.At).Text("at", 64);
        RuleFor(x => x.At).Custom((at, context) =>
        {
            if (at.IsPresent && at.Value!.Length <= 64 && !string.IsNullOrWhiteSpace(at.Value) && SystemActions.NormaliseAlarm(at.Value) is null)
                context.Fail("at", "datetime_parsing", "at must be a time of day \"HH:mm\" or an ISO 8601 date-time with a time zone", null);
        });
    }
}

public sealed class SetAlarmCommandHandler(ISystemAuditRepository audit, IClock clock) : IRequestHandler<SetAlarmCommand, SystemActionResult>
{
    public Task<SystemActionResult> Handle(SetAlarmCommand request, CancellationToken cancellationToken) =>
        SystemActionRecorder.RecordAsync(audit, clock, request.UserId, request.ClientAddress, SystemActions.Alarm,
            new Dictionary<string, object> { ["at"] = SystemActions.NormaliseAlarm(request.At.Value!)! }, cancellationToken);
}

public sealed record SetWifiCommand(Guid UserId, string? ClientAddress, Input<bool> Enabled) : IRequest<SystemActionResult>;

public sealed class SetWifiCommandValidator : AbstractValidator<SetWifiCommand>
{
    public SetWifiCommandValidator() => RuleFor(x => x.Enabled).Flag("enabled");
}

public sealed class SetWifiCommandHandler(ISystemAuditRepository audit, IClock clock) : IRequestHandler<SetWifiCommand, SystemActionResult>
{
    public Task<SystemActionResult> Handle(SetWifiCommand request, CancellationToken cancellationToken) =>
        SystemActionRecorder.RecordAsync(audit, clock, request.UserId, request.ClientAddress, SystemActions.Wifi,
            new Dictionary<string, object> { ["enabled"] = request.Enabled.Value }, cancellationToken);
}

/// <summary>Writes the audit row of an allowed action and builds its answer. Nothing on the host is changed.</summary>
public static class SystemActionRecorder
{
    public static async Task<SystemActionResult> RecordAsync(ISystemAuditRepository audit, IClock clock, Guid userId, string? clientAddress,
        string action, IReadOnlyDictionary<string, object> parameters,
        CancellationToken ct)
    {
        await audit.RecordAsync(new AuditEntry(Guid.NewGuid(), userId, action, JsonSerializer.Serialize(parameters), AuditOutcome.Applied,
            clientAddress, clock.UtcNow), ct);
        return new SystemActionResult(SystemActions.MessageFor(action), Simulated: true, action, parameters);
    }
}
