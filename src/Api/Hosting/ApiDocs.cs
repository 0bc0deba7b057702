using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Speaking.Api.Docs;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Api.Hosting;

/// <summary>
/// <c>GET /openapi.json</c> (OpenAPI 3.1, generated from the endpoints' metadata and <see cref="OpenApiRules"/>) and an
/// interactive UI at <c>/docs</c>. The UI's script is served by this service from the Scalar package; nothing is
/// fetched from a CDN (default fonts, telemetry and the hosted AI/MCP features are off), so it works offline.
/// </summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi.json";
    public const string UiPath = "/docs";
    public const string WebSocketProtocol = "docs/WEBSOCKET.md";

    public static IServiceCollection AddApiDocs(this IServiceCollection services, SpeakingSettings settings) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = settings.AppName,
                    Version = "1.0.0",
                    Description = "REST API of the IELTS speaking-partner service: snake_case JSON, errors as {\"detail\": \"...\"} "
                        + "(validation errors as a list, HTTP 422), bearer JWT on protected operations. The WebSocket protocol "
                        + $"(/ws/match/{{user_id}}) is described in {WebSocketProtocol}.",
                };
                return Task.CompletedTask;
            });
            OpenApiRules.Apply(options);
        });

    public static void MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference(UiPath, options => options
            .WithOpenApiRoutePattern(DocumentPath)
            .WithTitle("IELTS Speaking Partner API")
            .AddPreferredSecuritySchemes(OpenApiRules.BearerScheme)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()).AllowAnonymous();
    }
}
