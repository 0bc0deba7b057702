using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Speaking.Api.Http;
using Speaking.Application.Auth;
using Speaking.Application.Partners;
using Speaking.Application.Queue;
using Speaking.Application.Users;
using Speaking.Domain.Common;

namespace Speaking.Api.Docs;

/// <summary>
/// What the generator cannot read from the endpoints' metadata: the contract's schema names and "always present"
/// keys, bearer security on protected operations (and their 401), the error texts as examples, parameters that
/// are read by hand, and the WebSocket upgrade. Nothing here knows a path: it works from metadata, so any route
/// group (a Quorra module, say) is documented by the same rules under its own tags.
/// </summary>
public static class OpenApiRules
{
    public const string BearerScheme = "Bearer";

    /// <summary>Application types that are the contract's resources (2.6), under the contract's names.</summary>
    private static readonly Dictionary<Type, string> Resources = new()
    {
        [typeof(AuthToken)] = "Token",
        [typeof(UserView)] = "User",
        [typeof(QueueStatusView)] = "QueueStatus",
        [typeof(PartnerRequestView)] = "PartnerRequest",
        [typeof(PartnerView)] = "Partner",
        [typeof(UserSearchResult)] = "UserSearchResult",
    };

    /// <summary>Descriptions of the tags in use; a tag not listed here still appears, without a description.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Service"] = "Service information and health.",
        ["Auth"] = "Registration, login and the current user.",
        ["Users"] = "User profiles and presence.",
        ["Queue"] = "The matchmaking queue over REST (the frontend uses the WebSocket messages instead).",
        ["Partners"] = "Partner search, requests and partnerships.",
        ["Realtime"] = "The WebSocket for matchmaking, WebRTC signalling and chat. Its messages are described in docs/WEBSOCKET.md.",
        ["WebRTC"] = "ICE servers with short-lived TURN credentials (coturn's use-auth-secret scheme).",
    };

    public static void Apply(OpenApiOptions options)
    {
        options.CreateSchemaReferenceId = type =>
            Resources.TryGetValue(type.Type, out var name) ? name : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer(TransformSchema);
        options.AddOperationTransformer(TransformOperationAsync);
        options.AddDocumentTransformer(TransformDocument);
    }

    private static Task TransformSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var clr = context.JsonTypeInfo.Type;

        // The host accepts numeric strings for numbers (Web defaults); on the wire, numbers are always numbers.
        if (schema.Type is { } type && (type.HasFlag(JsonSchemaType.Number) || type.HasFlag(JsonSchemaType.Integer)) && type.HasFlag(JsonSchemaType.String))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        // Times go through WireFormat's own converter, so the generator cannot see that they are strings.
        if (clr == typeof(DateTime) || clr == typeof(DateTime?))
        {
            schema.Type = clr == typeof(DateTime) ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
            schema.Description ??= "UTC, ISO 8601 with microseconds and a trailing Z, e.g. 2026-02-05T14:03:27.518234Z.";
        }

        if (context.JsonPropertyInfo?.AttributeProvider?.IsDefined(typeof(EmailAddressAttribute), inherit: true) == true) schema.Format = "email";

        if (Resources.ContainsKey(clr) && schema.Properties is { } properties)
        {
            // Responses always carry every key, null when empty (contract 0 and 2.6).
            schema.Required = new HashSet<string>(properties.Keys);
            DescribeResource(clr, properties);
        }
        else if (clr == typeof(ValidationErrorItem) && schema.Properties is { } item)
        {
            item["loc"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { AnyOf = [new OpenApiSchema { Type = JsonSchemaType.String }, new OpenApiSchema { Type = JsonSchemaType.Integer }] },
                Description = item["loc"].Description,
            };
            item["input"] = new OpenApiSchema { Description = item["input"].Description ?? "The offending value as sent." };
        }
        else if (clr == typeof(ValidationErrorResponse))
        {
            schema.Examples =
            [
                JsonNode.Parse("""{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":null}]}""")!,
                JsonNode.Parse("""{"detail":[{"type":"string_too_short","loc":["query","q"],"msg":"String should have at least 2 characters","input":"a","ctx":{"min_length":2}}]}""")!,
            ];
        }

        return Task.CompletedTask;
    }

    private static void DescribeResource(Type type, IDictionary<string, IOpenApiSchema> properties)
    {
        void Set(string property, Action<OpenApiSchema> change)
        {
            if (properties.TryGetValue(property, out var schema) && schema is OpenApiSchema editable) change(editable);
        }

        void Band(string property) => Set(property, s =>
        {
            s.Minimum = IeltsBand.Min.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            s.Maximum = IeltsBand.Max.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        });

        foreach (var band in new[] { "current_level", "target_score", "from_level", "to_level" }) Band(band);

        if (type == typeof(AuthToken))
        {
            Set("access_token", s => s.Description = "JWT (HS256 unless ALGORITHM says otherwise) with exactly the claims sub (the user id) and exp. Send it as `Authorization: Bearer <token>`.");
            Set("token_type", s =>
            {
                s.Type = JsonSchemaType.String;
                s.Enum = [JsonValue.Create("bearer")];
            });
        }
        else if (type == typeof(UserView))
        {
            Set("email", s => s.Description = "The caller's own address; null in every other user's record (contract D-6).");
            Set("is_online", s => s.Description = "True while the user has an open WebSocket connection.");
            Set("last_seen", s => s.Description = "Set at registration and at every WebSocket connect and disconnect. UTC with a trailing Z.");
        }
        else if (type == typeof(QueueStatusView))
        {
            Set("mode", s => s.Description = "roulette or level_filter; null when not queued.");
            Set("position", s => s.Description = "1-based place among the entries counted for this mode; null when not queued.");
            Set("estimated_wait_seconds", s => s.Description = "An estimate only: 20 (roulette), 30 or 60 (level filter); null when not queued.");
        }
        else if (type == typeof(PartnerRequestView))
        {
            Set("status", s => s.Enum = [JsonValue.Create("pending"), JsonValue.Create("accepted"), JsonValue.Create("rejected")]);
        }
        else if (type == typeof(PartnerView))
        {
            Set("id", s => s.Description = "The partnership's id.");
            Set("user_id", s => s.Description = "The partner's user id.");
            Set("partnership_date", s => s.Description = "When the partnership was created.");
        }
        else if (type == typeof(UserSearchResult))
        {
            Set("has_pending_request", s => s.Description = "A pending request from the caller to this user exists (incoming requests are not reflected).");
        }
    }

    private static async Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];

        foreach (var parameter in metadata.OfType<DocumentedParameter>()) Document(operation, parameter);
        if (metadata.OfType<DocumentedBody>().LastOrDefault() is { } body)
        {
            var schema = await ComponentAsync(context, body.Shape, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = body.ContentTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
            };
        }

        if (IsProtected(metadata))
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            if (!operation.Responses.ContainsKey("401"))
            {
                operation.Responses["401"] = new OpenApiResponse
                {
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        [EndpointDocs.Json] = new() { Schema = await ComponentAsync(context, typeof(ErrorDetail), ct) },
                    },
                };
            }

            DescribeErrors(operation.Responses["401"], "Authentication failed: no bearer token, or one that is not valid (bad signature, expired, unknown user).",
                [ErrorResponses.NotAuthenticated, ErrorResponses.InvalidCredentials]);
        }

        foreach (var errors in metadata.OfType<DocumentedErrors>())
        {
            if (operation.Responses.TryGetValue(errors.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response))
                DescribeErrors(response, null, errors.Details);
        }

        if (operation.Responses.TryGetValue("401", out var unauthorized) && unauthorized is OpenApiResponse challenge)
        {
            challenge.Headers ??= new Dictionary<string, IOpenApiHeader>();
            challenge.Headers["WWW-Authenticate"] = new OpenApiHeader
            {
                Description = "Always Bearer.",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("Bearer")] },
            };
        }

        if (operation.Responses.TryGetValue("422", out var invalid) && invalid is OpenApiResponse validation)
        {
            validation.Description = "Validation failed: detail lists every problem (type, loc, msg, input, ctx), as in contract 2.2.";
        }
    }

    /// <summary>A reference to the component schema of one of our documentation shapes, registering it on first use.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiOperationTransformerContext context, Type shape, CancellationToken ct)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(shape.Name) != true)
            document.AddComponent(shape.Name, await context.GetOrCreateSchemaAsync(shape, null, ct));
        return new OpenApiSchemaReference(shape.Name, document);
    }

    /// <summary>Protected: an authorization requirement and no AllowAnonymous override, as the authorization middleware decides.</summary>
    private static bool IsProtected(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    private static void Document(OpenApiOperation operation, DocumentedParameter documented)
    {
        operation.Parameters ??= [];
        var existing = operation.Parameters.FirstOrDefault(p => p.Name == documented.Name && p.In == documented.In);
        if (existing is not null) operation.Parameters.Remove(existing);
        operation.Parameters.Add(ToParameter(documented));
    }

    private static OpenApiParameter ToParameter(DocumentedParameter documented) => new()
    {
        Name = documented.Name,
        In = documented.In,
        Required = documented.Required,
        Description = documented.Description,
        Schema = new OpenApiSchema
        {
            Type = documented.Type,
            Format = documented.Format,
            MinLength = documented.MinLength,
            Minimum = documented.Minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Default = documented.Default is null ? null : JsonValue.Create(documented.Default),
        },
    };

    private static void DescribeErrors(IOpenApiResponse response, string? description, IReadOnlyList<string> details)
    {
        if (response is not OpenApiResponse editable) return;
        editable.Description = description ?? string.Join(" | ", details.Select(d => $"\"{d}\""));
        if (editable.Content?.TryGetValue(EndpointDocs.Json, out var media) != true) return;
        media!.Examples ??= new Dictionary<string, IOpenApiExample>();
        foreach (var detail in details)
            media.Examples[detail] = new OpenApiExample { Summary = detail, Value = new JsonObject { ["detail"] = detail } };
    }

    private static Task TransformDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The access_token of POST /auth/register or POST /auth/login, sent as `Authorization: Bearer <token>`.",
        };

        DocumentWebSockets(document, context.ApplicationServices.GetRequiredService<EndpointDataSource>());

        document.Tags ??= new HashSet<OpenApiTag>();
        var used = document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            .SelectMany(o => o.Tags ?? Enumerable.Empty<OpenApiTagReference>()).Select(t => t.Name).OfType<string>();
        foreach (var name in used.Distinct())
        {
            if (document.Tags.FirstOrDefault(t => t.Name == name) is not { } tag)
            {
                tag = new OpenApiTag { Name = name };
                document.Tags.Add(tag);
            }

            if (tag.Description is null && TagDescriptions.TryGetValue(name, out var text)) tag.Description = text;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A WebSocket endpoint accepts any method, so the API explorer skips it; it is described here as the GET upgrade
    /// that browsers send, with its query token and its two answers.
    /// </summary>
    private static void DocumentWebSockets(OpenApiDocument document, EndpointDataSource endpoints)
    {
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<WebSocketUpgrade>() is not { } upgrade) continue;
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var operation = new OpenApiOperation
            {
                OperationId = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
                Summary = endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary,
                Description = endpoint.Metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description
                    + $"\n\nThis is a WebSocket upgrade, not a REST call: the messages exchanged after it are described in {upgrade.ProtocolDocument}.",
                Tags = new HashSet<OpenApiTagReference>(endpoint.Metadata.GetOrderedMetadata<ITagsMetadata>().SelectMany(t => t.Tags)
                    .Select(t => new OpenApiTagReference(t, document))),
                Parameters = endpoint.Metadata.GetOrderedMetadata<DocumentedParameter>().Select(p => (IOpenApiParameter)ToParameter(p)).ToList(),
                Responses = new OpenApiResponses
                {
                    ["101"] = new OpenApiResponse { Description = "Switching Protocols: the token is valid, its user exists and owns the path's user id." },
                    ["403"] = new OpenApiResponse
                    {
                        Description = "The upgrade is refused with an empty body: the token is missing or not valid, its user does not exist, or the path's user id is not the token's (lowercase hyphenated). Also any request that is not a WebSocket upgrade. Browsers report close code 1006.",
                    },
                },
            };
            document.Paths[path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
        }
    }
}
