using Microsoft.OpenApi;

namespace Speaking.Api.Docs;

/// <summary>The <c>{"detail": "..."}</c> texts an endpoint answers with one status; the document lists them as examples.</summary>
public sealed record DocumentedErrors(int StatusCode, IReadOnlyList<string> Details);

/// <summary>A query or path parameter that the endpoint reads by hand, as the document should describe it.</summary>
public sealed record DocumentedParameter(string Name, ParameterLocation In, JsonSchemaType Type, string Description)
{
    public bool Required { get; init; }
    public string? Format { get; init; }
    public int? MinLength { get; init; }
    public int? Minimum { get; init; }
    public object? Default { get; init; }
}

/// <summary>
/// A request body that the endpoint reads by hand. Not the framework's <c>Accepts</c>: its metadata makes routing answer
/// 415 to any other content type, and these endpoints must keep answering such requests as they always did (a JSON
/// body on the login form is a 422, a bodiless POST may carry any content type).
/// </summary>
public sealed record DocumentedBody(Type Shape, IReadOnlyList<string> ContentTypes);

/// <summary>Marks the WebSocket endpoint: the document shows it as a GET upgrade answered 101 or 403.</summary>
public sealed record WebSocketUpgrade(string ProtocolDocument);

/// <summary>
/// Documentation metadata for endpoints that read their input by hand. Each helper only adds metadata; none changes
/// what the endpoint does.
/// </summary>
public static class EndpointDocs
{
    public const string Json = "application/json";

    /// <summary>Operation id, summary and (optionally) description in one call.</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, string operationId, string summary, string? description = null)
    {
        builder.WithName(operationId).WithSummary(summary);
        return description is null ? builder : builder.WithDescription(description);
    }

    /// <summary>The endpoint reads a JSON body of this shape (required: a missing body is a 422 at ["body"]).</summary>
    public static RouteHandlerBuilder AcceptsJson<TBody>(this RouteHandlerBuilder builder) where TBody : notnull =>
        builder.WithMetadata(new DocumentedBody(typeof(TBody), [Json]));

    /// <summary>The endpoint reads an HTML form of this shape, urlencoded or multipart.</summary>
    public static RouteHandlerBuilder AcceptsForm<TForm>(this RouteHandlerBuilder builder) where TForm : notnull =>
        builder.WithMetadata(new DocumentedBody(typeof(TForm), ["application/x-www-form-urlencoded", "multipart/form-data"]));

    /// <summary>A JSON success response.</summary>
    public static RouteHandlerBuilder Returns<TResponse>(this RouteHandlerBuilder builder, int statusCode = StatusCodes.Status200OK) =>
        builder.Produces<TResponse>(statusCode, Json);

    /// <summary>An error answered as <c>{"detail": text}</c> with one of <paramref name="details"/>.</summary>
    public static RouteHandlerBuilder Fails(this RouteHandlerBuilder builder, int statusCode, params string[] details) =>
        builder.Produces<ErrorDetail>(statusCode, Json).WithMetadata(new DocumentedErrors(statusCode, details));

    /// <summary>The endpoint validates its input: a 422 with the list of contract 2.2.</summary>
    public static RouteHandlerBuilder ValidatesInput(this RouteHandlerBuilder builder) =>
        builder.Produces<ValidationErrorResponse>(StatusCodes.Status422UnprocessableEntity, Json);

    /// <summary>A path segment that must be a UUID (read as text so that a malformed one is a 422, not a 404).</summary>
    public static RouteHandlerBuilder PathUuid(this RouteHandlerBuilder builder, string name, string description) =>
        builder.WithMetadata(new DocumentedParameter(name, ParameterLocation.Path, JsonSchemaType.String, description)
            { Required = true, Format = "uuid" });

    public static RouteHandlerBuilder QueryString(this RouteHandlerBuilder builder, string name, string description, bool required = false,
        int? minLength = null) =>
        builder.WithMetadata(new DocumentedParameter(name, ParameterLocation.Query, JsonSchemaType.String, description)
            { Required = required, MinLength = minLength });

    public static RouteHandlerBuilder QueryInteger(this RouteHandlerBuilder builder, string name, string description, int? minimum = null,
        int? defaultValue = null) =>
        builder.WithMetadata(new DocumentedParameter(name, ParameterLocation.Query, JsonSchemaType.Integer, description)
            { Minimum = minimum, Default = defaultValue });

    public static RouteHandlerBuilder QueryBoolean(this RouteHandlerBuilder builder, string name, string description, bool? defaultValue = null) =>
        builder.WithMetadata(new DocumentedParameter(name, ParameterLocation.Query, JsonSchemaType.Boolean, description)
            { Default = defaultValue });

    /// <summary>The endpoint is a WebSocket upgrade whose protocol is described in <paramref name="protocolDocument"/>.</summary>
    public static RouteHandlerBuilder WebSocket(this RouteHandlerBuilder builder, string protocolDocument) =>
        builder.WithMetadata(new WebSocketUpgrade(protocolDocument));
}
