using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Speaking.Infrastructure;
using Speaking.Application.Common;
using Speaking.Infrastructure.Observability;
using Speaking.Infrastructure.Persistence;

namespace Speaking.Api.Http;

/// <summary>
/// CORS exactly as the original answered it (contract 1.3), on every response including errors (D-30):
/// preflights of allowed origins get 200 "OK" with the allow headers, others 400 "Disallowed CORS origin".
/// </summary>
public sealed class CorsPolicy(RequestDelegate next, IReadOnlyList<string> origins)
{
    private const string AllowedMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
    private readonly HashSet<string> _origins = origins.Where(o => o != "*").ToHashSet(StringComparer.Ordinal);
    private readonly bool _anyOrigin = origins.Contains("*");

    public async Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            await next(context);
            return;
        }

        var allowed = _anyOrigin || _origins.Contains(origin);
        var response = context.Response;
        if (HttpMethods.IsOptions(context.Request.Method) && context.Request.Headers.ContainsKey("Access-Control-Request-Method"))
        {
            response.Headers.Vary = "Origin";
            if (!allowed)
            {
                response.StatusCode = StatusCodes.Status400BadRequest;
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync("Disallowed CORS origin");
                return;
            }

            response.Headers.AccessControlAllowOrigin = origin;
            response.Headers.AccessControlAllowMethods = AllowedMethods;
            var requested = context.Request.Headers.AccessControlRequestHeaders;
            if (!StringValues.IsNullOrEmpty(requested)) response.Headers.AccessControlAllowHeaders = requested;
            response.Headers.AccessControlAllowCredentials = "true";
            response.Headers.AccessControlMaxAge = "600";
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("OK");
            return;
        }

        response.OnStarting(() =>
        {
            if (allowed)
            {
                response.Headers.AccessControlAllowOrigin = _anyOrigin && !context.Request.Headers.ContainsKey("Cookie") ? "*" : origin;
                response.Headers.Append("Vary", "Origin");
            }

            response.Headers.AccessControlAllowCredentials = "true";
            return Task.CompletedTask;
        });
        await next(context);
    }
}

/// <summary>
/// Turns exceptions into the contract's bodies: a validation failure into the 422 list; a body over the endpoint's
/// limit into 413 (other malformed HTTP Kestrel detects while the body is read keep their 4xx); a database that does
/// not answer into 503 with Retry-After (one log line, no stack trace); anything else into
/// 500 {"detail":"Internal Server Error"} (logged, never shown). CORS headers are added by <see cref="CorsPolicy"/>.
/// </summary>
public sealed class ErrorHandling(RequestDelegate next, SpeakingMetrics metrics, ILogger<ErrorHandling> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (RequestValidationException e) when (!context.Response.HasStarted)
        {
            await ErrorResponses.WriteValidationAsync(context, e.Problems);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var detail = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ErrorResponses.BodyTooLarge
                : ReasonPhrases.GetReasonPhrase(e.StatusCode) is { Length: > 0 } phrase ? phrase : "Bad Request";
            await ErrorResponses.WriteAsync(context, e.StatusCode, detail);
        }
        catch (Exception e) when (!context.Response.HasStarted && Outage.Is(e))
        {
            metrics.DatabaseErrors.WithLabels("http").Inc();
            logger.LogWarning("A dependency (the database or Redis) did not answer {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path.Value,
                e.GetBaseException().Message);
            await ErrorResponses.WriteUnavailableAsync(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !(e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            logger.LogError(e, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path.Value);
            await ErrorResponses.WriteAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error");
        }
    }
}

/// <summary>Reads the JSON body of endpoints that take one before authentication runs, so a syntax error is a 422 first (contract 2.1).</summary>
public sealed class JsonBodyReader(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReadsJsonBody>() is not null)
        {
            var problem = await JsonBody.ReadAsync(context);
            if (problem is not null)
            {
                await ErrorResponses.WriteValidationAsync(context, [problem]);
                return;
            }
        }

        await next(context);
    }
}

/// <summary>A WebSocket upgrade to a path that has no endpoint is refused with 403, as the original did (contract 4.1).</summary>
public sealed class UnknownWebSocketPath(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is null && context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return next(context);
    }
}

/// <summary>Bodies for the framework's bare 404 and 405 answers (and, under /quorra, every bare error status).</summary>
public static class StatusBodies
{
    public static async Task WriteAsync(StatusCodeContext status)
    {
        var response = status.HttpContext.Response;
        var detail = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => "Not Found",
            StatusCodes.Status405MethodNotAllowed => "Method Not Allowed",
            // Quorra answers every bare error status with a body.
            >= 400 when ErrorResponses.IsQuorra(status.HttpContext) => ReasonPhrases.GetReasonPhrase(response.StatusCode) is { Length: > 0 } phrase ? phrase : "Error",
            _ => null,
        };
        if (detail is not null) await ErrorResponses.WriteAsync(status.HttpContext, response.StatusCode, detail);
    }
}
