using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Speaking.Infrastructure.Configuration;

namespace Speaking.Api.Hosting;

/// <summary><c>GET /openapi.json</c> (OpenAPI 3, generated from the endpoints' metadata) and an interactive UI at <c>/docs</c>.</summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi.json";

    public static IServiceCollection AddApiDocs(this IServiceCollection services, SpeakingSettings settings) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = settings.AppName,
                    Version = "1.0.0",
                    Description = "REST API of the IELTS speaking-partner service. The WebSocket protocol is described in docs/WEBSOCKET.md.",
                };
                return Task.CompletedTask;
            });
        });

    public static void MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference("/docs", options =>
        {
            options.OpenApiRoutePattern = DocumentPath;
            options.Title = "IELTS Speaking Partner API";
        }).AllowAnonymous();
    }
}
