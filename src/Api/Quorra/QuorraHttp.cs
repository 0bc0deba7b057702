using MediatR;
using Speaking.Api.Http;
using Speaking.Application.Quorra.Auth;
using Speaking.Application.Quorra.SystemControl;
using Speaking.Domain.Common;
using Speaking.Infrastructure.Quorra;

namespace Speaking.Api.Quorra;

/// <summary>Quorra's answers: camelCase JSON through its own serializer options, errors as <c>{"error": ...}</c>.</summary>
public static class QuorraResults
{
    /// <summary>The value as JSON; null is written as the body <c>null</c> (the framework would send no body at all).</summary>
    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) => value is null
        ? TypedResults.Text("null", "application/json; charset=utf-8", statusCode: status)
        : TypedResults.Json(value, QuorraJson.Options, statusCode: status);

    public static IResult Error(Error error) =>
        TypedResults.Json(new QuorraError(error.Detail), QuorraJson.Options, statusCode: ErrorResponses.StatusOf(error.Kind));

    public static IResult ToQuorra<T>(this Result<T> result, Func<T, IResult> ok) => result.IsSuccess ? ok(result.Value) : Error(result.Error!);
}

/// <summary>The authenticated Quorra user of the request (set by <see cref="QuorraAuthFilter"/>).</summary>
public static class QuorraCaller
{
    private static readonly object Key = new();

    public static Guid QuorraUserId(this HttpContext context) => (Guid)context.Items[Key]!;

    internal static void Set(HttpContext context, Guid userId) => context.Items[Key] = userId;

    public static string? ClientAddress(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}

/// <summary>The original's auth middleware on every protected Quorra route: 403 without a header, 401 for a bad token.</summary>
public sealed class QuorraAuthFilter(IMediator mediator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        var caller = await mediator.Send(new AuthenticateQuorraRequestQuery(header.Length == 0 ? null : header), http.RequestAborted);
        if (!caller.IsSuccess) return QuorraResults.Error(caller.Error!);
        QuorraCaller.Set(http, caller.Value);
        return await next(context);
    }
}

/// <summary>The root guard of one system action: after authentication, before the body is read.</summary>
public sealed class RootGuardFilter(string action) : IEndpointFilter
{
    public const string PinHeader = "x-root-pin";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var pin = http.Request.Headers.TryGetValue(PinHeader, out var values) ? values.ToString() : null;
        var mediator = http.RequestServices.GetRequiredService<IMediator>();
        var access = await mediator.Send(new CheckRootAccessCommand(http.QuorraUserId(), action, pin, http.ClientAddress()), http.RequestAborted);
        if (!access.IsSuccess)
        {
            if (access.Error!.Kind == ErrorKind.TooManyRequests) http.Response.Headers.RetryAfter = "60";
            return QuorraResults.Error(access.Error);
        }

        return await next(context);
    }
}
