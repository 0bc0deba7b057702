using Speaking.Application.Common;
using Speaking.Domain.Common;
using Speaking.Infrastructure.Quorra;

namespace Speaking.Api.Http;

/// <summary>
/// The one place where errors take the wire format clients know: {"detail": ...} for Speaking, and {"error": ...}
/// for everything under <c>/quorra</c> (<see cref="WriteAsync"/> picks by path; shared middleware uses it).
/// </summary>
public static class ErrorResponses
{
    public const string NotAuthenticated = "Not authenticated";
    public const string InvalidCredentials = "Could not validate credentials";
    public const string BodyTooLarge = "Request body too large";
    public const string ServiceUnavailable = "Service temporarily unavailable";
    public const string QuorraPrefix = "/quorra";

    /// <summary>Seconds a client is asked to wait (<c>Retry-After</c>) while the database does not answer.</summary>
    public const int RetryAfterSeconds = 5;

    public static IResult Detail(int status, string detail) => TypedResults.Json(new { detail }, statusCode: status);

    /// <summary>True for requests of the Quorra module, whose errors are <c>{"error": ...}</c>.</summary>
    public static bool IsQuorra(HttpContext context) => context.Request.Path.StartsWithSegments(QuorraPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The hook for shared middleware: writes an error with <paramref name="status"/> and <paramref name="text"/> in the
    /// shape the request's path speaks: <c>{"error": text}</c> under /quorra, otherwise <c>{"detail": text}</c>.
    /// </summary>
    public static Task WriteAsync(HttpContext context, int status, string text) => Error(context, status, text).ExecuteAsync(context);

    /// <summary>As <see cref="WriteAsync"/>, as a result to return from an endpoint.</summary>
    public static IResult Error(HttpContext context, int status, string text) => IsQuorra(context)
        ? TypedResults.Json(new { error = text }, QuorraJson.Options, statusCode: status)
        : Detail(status, text);

    /// <summary>A validation failure: Speaking's 422 list, or, under /quorra, 400 with the first problem's sentence.</summary>
    public static Task WriteValidationAsync(HttpContext context, IEnumerable<ValidationProblem> problems)
    {
        var list = problems.ToList();
        return IsQuorra(context)
            ? WriteAsync(context, StatusCodes.Status400BadRequest, list.Count > 0 ? list[0].Msg : "Invalid request")
            : Results.Json(ValidationBody(list), statusCode: StatusCodes.Status422UnprocessableEntity).ExecuteAsync(context);
    }

    /// <summary>503 while the database does not answer, with <c>Retry-After</c>.</summary>
    public static Task WriteUnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ServiceUnavailable);
    }

    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorKind.ServiceUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult From(Error error)
    {
        var status = StatusOf(error.Kind);
        return status == StatusCodes.Status401Unauthorized ? new BearerChallenge(error.Detail) : Detail(status, error.Detail);
    }

    public static object ValidationBody(IEnumerable<ValidationProblem> problems) => new
    {
        detail = problems.Select(p => new Dictionary<string, object?>
        {
            ["type"] = p.Type,
            ["loc"] = p.Loc,
            ["msg"] = p.Msg,
            ["input"] = p.Input,
            ["ctx"] = p.Ctx,
        }.Where(kv => kv.Key != "ctx" || kv.Value is not null).ToDictionary()).ToArray(),
    };

    public static IResult ToHttp<T>(this Result<T> result, Func<T, IResult>? ok = null) =>
        result.IsSuccess ? ok?.Invoke(result.Value) ?? TypedResults.Ok(result.Value) : From(result.Error!);

    public static IResult ToHttp(this Result result, Func<IResult> ok) => result.IsSuccess ? ok() : From(result.Error!);

    public static IResult Message(string message) => TypedResults.Ok(new { message });

    /// <summary>401 with <c>WWW-Authenticate: Bearer</c>, as every 401 of the original.</summary>
    private sealed class BearerChallenge(string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Detail(StatusCodes.Status401Unauthorized, detail).ExecuteAsync(httpContext);
        }
    }
}
