using Speaking.Application.Common;
using Speaking.Domain.Common;

namespace Speaking.Api.Http;

/// <summary>The one place where errors take the wire format clients know: {"detail": ...}.</summary>
public static class ErrorResponses
{
    public const string NotAuthenticated = "Not authenticated";
    public const string InvalidCredentials = "Could not validate credentials";

    public static IResult Detail(int status, string detail) => TypedResults.Json(new { detail }, statusCode: status);

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
