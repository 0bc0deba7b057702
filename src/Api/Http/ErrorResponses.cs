using Speaking.Application.Common;
using Speaking.Domain.Common;

namespace Speaking.Api.Http;

/// <summary>The one place where errors take the wire format clients know: {"detail": ...}.</summary>
public static class ErrorResponses
{
    public const string NotAuthenticated = "Not authenticated";
    public const string InvalidCredentials = "Could not validate credentials";
    public const string BodyTooLarge = "Request body too large";
    public const string ServiceUnavailable = "Service temporarily unavailable";

    /// <summary>Seconds a client is asked to wait (<c>Retry-After</c>) while the database does not answer.</summary>
    public const int RetryAfterSeconds = 5;

    public static IResult Detail(int status, string detail) => TypedResults.Json(new { detail }, statusCode: status);

    /// <summary>Writes <c>{"detail": text}</c> with <paramref name="status"/> (for middleware, where there is no endpoint result).</summary>
    public static Task WriteAsync(HttpContext context, int status, string detail) => Detail(status, detail).ExecuteAsync(context);

    /// <summary>Writes the 422 list form.</summary>
    public static Task WriteValidationAsync(HttpContext context, IEnumerable<ValidationProblem> problems) =>
        Results.Json(ValidationBody(problems), statusCode: StatusCodes.Status422UnprocessableEntity).ExecuteAsync(context);

    /// <summary>503 while the database does not answer, with <c>Retry-After</c>.</summary>
    public static Task WriteUnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ServiceUnavailable);
    }

    public static IResult From(Error error)
    {
        var status = error.Kind switch
        {
            ErrorKind.BadRequest => StatusCodes.Status400BadRequest,
            ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
            ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status500InternalServerError,
        };
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
