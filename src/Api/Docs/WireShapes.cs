using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Speaking.Application.Auth;
using Speaking.Domain.Common;
using Speaking.Domain.Users;

namespace Speaking.Api.Docs;

// Shapes for the OpenAPI document only. The endpoints read their bodies by hand (JsonBody, the login form) so that
// validation can answer with the contract's 422 items; these types tell the document what those bodies look like.
// Nothing serializes or binds them. Names follow the contract (section 2.6 and 3).

/// <summary>Body of <c>POST /auth/register</c>.</summary>
[Description("Registration. Unknown fields are ignored. Numbers may also be sent as numeric strings (\"6.5\").")]
public sealed class RegisterRequest
{
    [EmailAddress, MaxLength(EmailAddress.MaxLength)]
    [Description("Email address, checked without DNS (the domain needs a dot and must not be a special-use one such as .test or .local); surrounding whitespace is stripped, `Name <addr>` is reduced to the address and the domain is lower-cased. Uniqueness and login compare case-insensitively.")]
    public required string Email { get; init; }

    [StringLength(RegisterCommand.PasswordMaxLength, MinimumLength = RegisterCommand.PasswordMinLength)]
    [Description("Password, 6–100 characters. Only the first 72 UTF-8 bytes are significant (contract D-27).")]
    public required string Password { get; init; }

    [StringLength(User.UsernameMaxLength, MinimumLength = User.UsernameMinLength)]
    [Description("Display name, 2–100 characters, not trimmed, not unique.")]
    public required string Username { get; init; }

    [Range(IeltsBand.Min, IeltsBand.Max), DefaultValue(User.DefaultLevel)]
    [Description("Current IELTS band, 1.0–9.0 inclusive, any fraction. null is rejected.")]
    public double CurrentLevel { get; init; } = User.DefaultLevel;

    [Range(IeltsBand.Min, IeltsBand.Max), DefaultValue(User.DefaultTargetScore)]
    [Description("Target IELTS band, 1.0–9.0 inclusive, any fraction. null is rejected.")]
    public double TargetScore { get; init; } = User.DefaultTargetScore;
}

/// <summary>The OAuth2 password form of <c>POST /auth/login</c>.</summary>
[Description("OAuth2 password form. An empty field counts as missing.")]
public sealed class LoginForm
{
    [MinLength(1), Description("The email address the account was registered with (compared case-insensitively).")]
    public required string Username { get; init; }

    [MinLength(1), Description("The password.")]
    public required string Password { get; init; }

    [RegularExpression("password"), Description("Optional; when sent it must contain \"password\".")]
    public string? GrantType { get; init; }

    [Description("Optional, ignored.")]
    public string? Scope { get; init; }

    [Description("Optional, ignored.")]
    public string? ClientId { get; init; }

    [Description("Optional, ignored.")]
    public string? ClientSecret { get; init; }
}

/// <summary>Body of <c>PATCH /users/{user_id}</c>: every field optional, only the fields sent change.</summary>
[Description("Profile change. Every field is optional and only the fields sent change; an explicit null is rejected (contract D-21). Other fields (email, password, …) are ignored.")]
public sealed class UpdateUserRequest
{
    [StringLength(User.UsernameMaxLength, MinimumLength = User.UsernameMinLength), Description("New display name, 2–100 characters.")]
    public string Username { get; init; } = "";

    [Range(IeltsBand.Min, IeltsBand.Max), Description("New current band, 1.0–9.0.")]
    public double CurrentLevel { get; init; }

    [Range(IeltsBand.Min, IeltsBand.Max), Description("New target band, 1.0–9.0.")]
    public double TargetScore { get; init; }
}

/// <summary>Body of <c>POST /queue/level-filter</c>; the body itself is required (<c>{}</c> is fine).</summary>
[Description("Level-filter queue join. The body is required ({} is fine).")]
public sealed class LevelFilterRequest
{
    [Range(IeltsBand.Min, IeltsBand.Max)]
    [Description("Band to be matched around (±0.5), 1.0–9.0. Absent or null: the caller's current_level.")]
    public double? LevelFilter { get; init; }
}

/// <summary>Body of <c>POST /partners/request</c>.</summary>
[Description("Partner request.")]
public sealed class PartnerRequestBody
{
    [Description("The user to ask. Any standard UUID form is accepted (hyphenated or 32 hex digits, any case).")]
    public required Guid ToUserId { get; init; }
}

/// <summary><c>{"detail": "..."}</c>: every handled error but validation.</summary>
[Description("A handled error. The frontend shows detail to the user.")]
public sealed class ErrorDetail
{
    [Description("Human-readable reason; the texts are part of the contract.")]
    public required string Detail { get; init; }
}

/// <summary>The 422 body of contract 2.2.</summary>
[Description("Validation failed: one item per problem (contract 2.2). A syntactically invalid JSON body is reported as json_invalid at `[\"body\", <offset>]`.")]
public sealed class ValidationErrorResponse
{
    [MinLength(1)]
    public required ValidationErrorItem[] Detail { get; init; }
}

[Description("One validation problem, in the vocabulary of pydantic 2 (the original's validator).")]
public sealed class ValidationErrorItem
{
    [Description("Error type: missing, string_too_short, string_too_long, string_type, greater_than_equal, less_than_equal, uuid_parsing, uuid_type, value_error, float_parsing, float_type, int_parsing, bool_parsing, json_invalid, model_attributes_type, string_pattern_mismatch.")]
    public required string Type { get; init; }

    [Description("Where: \"body\", \"query\" or \"path\", then the field name (or the character offset of a JSON syntax error).")]
    public required object[] Loc { get; init; }

    [Description("Human-readable message.")]
    public required string Msg { get; init; }

    [Description("The offending value as sent (null when missing).")]
    public object? Input { get; init; }

    [Description("Parameters of the rule, e.g. {\"min_length\": 2}, {\"ge\": 1.0}, {\"error\": \"...\"}; only for some types.")]
    public Dictionary<string, object?>? Ctx { get; init; }

    [Description("Link to the validator's documentation; never sent by this service, allowed by the contract.")]
    public string? Url { get; init; }
}

/// <summary>Replies made of a single message, e.g. <c>{"message": "Left queue successfully"}</c>.</summary>
public sealed class MessageResponse
{
    public required string Message { get; init; }
}

public sealed class OnlineCountResponse
{
    [Description("Number of users with an open WebSocket connection."), Range(0, int.MaxValue)]
    public required int OnlineCount { get; init; }
}

public sealed class ServiceInfo
{
    public required string Message { get; init; }

    public required string Status { get; init; }

    public required string Version { get; init; }
}

public sealed class HealthResponse
{
    public required string Status { get; init; }
}

public sealed class ReadinessResponse
{
    [Description("ready (200); unavailable (503) while the database does not answer; draining (503) during a graceful stop.")]
    public required string Status { get; init; }

    [Description("The database check: healthy, degraded, unhealthy, or unknown (not checked while draining).")]
    public required string Database { get; init; }

    [Description("With REDIS_URL set: the Redis check (healthy or unhealthy). Reported only: a Redis outage never turns readiness to 503, so a blip cannot empty the load balancer.")]
    public string? Redis { get; init; }
}

/// <summary>Body of <c>POST /sessions/{id}/feedback</c>.</summary>
[Description("Peer feedback on the four IELTS speaking criteria; each score 1–9 in half bands.")]
public sealed class FeedbackRequest
{
    [Range(1, 9), Description("Fluency and coherence, 1–9 in steps of 0.5.")]
    public required double FluencyCoherence { get; init; }

    [Range(1, 9), Description("Lexical resource, 1–9 in steps of 0.5.")]
    public required double LexicalResource { get; init; }

    [Range(1, 9), Description("Grammatical range and accuracy, 1–9 in steps of 0.5.")]
    public required double GrammaticalRangeAccuracy { get; init; }

    [Range(1, 9), Description("Pronunciation, 1–9 in steps of 0.5.")]
    public required double Pronunciation { get; init; }

    [MaxLength(1000), Description("Optional comment, at most 1000 characters.")]
    public string? Comment { get; init; }
}

/// <summary>Body of <c>POST /users/{user_id}/report</c>.</summary>
[Description("A report on another user.")]
public sealed class ReportRequest
{
    [RegularExpression("^(harassment|inappropriate|spam|no_show|other)$")]
    [Description("One of harassment, inappropriate, spam, no_show, other.")]
    public required string Reason { get; init; }

    [MaxLength(Application.Safety.ReportUserCommand.MaxDetailsLength), Description("Optional, at most 1000 characters.")]
    public string? Details { get; init; }

    [Description("Optional: the session of you two the report is about (one report per session; one without a session).")]
    public Guid? SessionId { get; init; }
}
