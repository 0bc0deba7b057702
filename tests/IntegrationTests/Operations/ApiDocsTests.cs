using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Operations;

/// <summary>
/// One host for the class, with one extra route group tagged Quorra (standing in for a module added by someone else)
/// to show that the documentation rules work from metadata, not from a list of Speaking's paths.
/// </summary>
public sealed class ApiDocsFixture : IAsyncLifetime
{
    public const string ProbePath = "/docs-probe/items";

    public TestHost Host { get; private set; } = null!;

    public string DocumentText { get; private set; } = "";

    public JsonElement Document { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await TestHost.StartAsync(mapEndpoints: web => web.MapGroup("/docs-probe").WithTags("Quorra").RequireAuthorization()
            .MapGet("/items", () => Results.Ok()).WithSummary("Probe"));
        var response = await Host.Http.GetAsync("/openapi.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        DocumentText = await response.Content.ReadAsStringAsync();
        Document = JsonDocument.Parse(DocumentText).RootElement.Clone();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Contract issue 11, item 3: <c>/openapi.json</c> describes every REST endpoint as the contract defines it; <c>/docs</c> is its UI.</summary>
public sealed partial class ApiDocsTests(ApiDocsFixture fixture) : IClassFixture<ApiDocsFixture>
{
    private readonly JsonElement _doc = fixture.Document;

    /// <summary>Contract 3.1 (plus /health/ready): method, path, tag, protected, success status and schema, validates input.</summary>
    public sealed record Endpoint(string Method, string Path, string Tag, bool Protected, int Success, string Schema, bool Validates)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    public static readonly Endpoint[] Contract =
    [
        new("GET", "/", "Service", false, 200, "ServiceInfo", false),
        new("GET", "/health", "Service", false, 200, "HealthResponse", false),
        new("GET", "/health/ready", "Service", false, 200, "ReadinessResponse", false),
        new("POST", "/auth/register", "Auth", false, 201, "Token", true),
        new("POST", "/auth/login", "Auth", false, 200, "Token", true),
        new("GET", "/auth/me", "Auth", true, 200, "User", false),
        new("GET", "/users", "Users", true, 200, "User[]", true),
        new("GET", "/users/online/count", "Users", true, 200, "OnlineCountResponse", false),
        new("GET", "/users/{user_id}", "Users", true, 200, "User", true),
        new("PATCH", "/users/{user_id}", "Users", true, 200, "User", true),
        new("POST", "/queue/roulette", "Queue", true, 200, "QueueStatus", false),
        new("POST", "/queue/level-filter", "Queue", true, 200, "QueueStatus", true),
        new("POST", "/queue/leave", "Queue", true, 200, "MessageResponse", false),
        new("GET", "/queue/status", "Queue", true, 200, "QueueStatus", false),
        new("GET", "/partners/search", "Partners", true, 200, "UserSearchResult[]", true),
        new("POST", "/partners/request", "Partners", true, 200, "PartnerRequest", true),
        new("GET", "/partners/requests/incoming", "Partners", true, 200, "PartnerRequest[]", false),
        new("POST", "/partners/requests/{request_id}/accept", "Partners", true, 200, "MessageResponse", true),
        new("POST", "/partners/requests/{request_id}/reject", "Partners", true, 200, "MessageResponse", true),
        // The generator writes the group's "/partners/" as "/partners"; both forms answer (contract 2.4).
        new("GET", "/partners", "Partners", true, 200, "Partner[]", false),
        new("DELETE", "/partners/{partner_user_id}", "Partners", true, 200, "MessageResponse", true),
    ];

    public static TheoryData<Endpoint> ContractEndpoints => new(Contract);

    /// <summary>The handled errors the contract lists per endpoint, as {"detail": text}.</summary>
    public static TheoryData<string, string, int, string> ContractErrors => new()
    {
        { "POST", "/auth/register", 400, "Email already registered" },
        { "POST", "/auth/register", 429, "Too many registration attempts" },
        { "POST", "/auth/login", 401, "Incorrect email or password" },
        { "POST", "/auth/login", 429, "Too many login attempts" },
        { "GET", "/users/{user_id}", 404, "User not found" },
        { "PATCH", "/users/{user_id}", 403, "You can only update your own profile" },
        { "POST", "/queue/roulette", 400, "You are already in a queue" },
        { "POST", "/queue/level-filter", 400, "You are already in a queue" },
        { "POST", "/queue/leave", 400, "You are not in any queue" },
        { "POST", "/partners/request", 400, "O'zingizga so'rov yubora olmaysiz" },
        { "POST", "/partners/request", 404, "Foydalanuvchi topilmadi" },
        { "POST", "/partners/request", 400, "Allaqachon sheriklar" },
        { "POST", "/partners/request", 400, "So'rov allaqachon yuborilgan" },
        { "POST", "/partners/requests/{request_id}/accept", 404, "So'rov topilmadi" },
        { "POST", "/partners/requests/{request_id}/accept", 403, "Bu so'rov sizga emas" },
        { "POST", "/partners/requests/{request_id}/accept", 400, "So'rov allaqachon ko'rib chiqilgan" },
        { "POST", "/partners/requests/{request_id}/reject", 404, "So'rov topilmadi" },
        { "POST", "/partners/requests/{request_id}/reject", 403, "Bu so'rov sizga emas" },
        { "POST", "/partners/requests/{request_id}/reject", 400, "So'rov allaqachon ko'rib chiqilgan" },
        { "DELETE", "/partners/{partner_user_id}", 404, "Sherik topilmadi" },
    };

    [Fact]
    public void Document_IsOpenApi3_AndReadsWithoutErrors()
    {
        _doc.Str("openapi").ShouldStartWith("3.");
        _doc.GetProperty("info").Str("title").ShouldNotBeNullOrWhiteSpace();

        var (document, diagnostic) = OpenApiDocument.Parse(fixture.DocumentText, "json");
        diagnostic!.Errors.ShouldBeEmpty(string.Join("; ", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        var problems = document!.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        problems.ShouldBeEmpty(string.Join("; ", problems.Select(e => $"{e.Pointer}: {e.Message}")));
    }

    [Theory]
    [MemberData(nameof(ContractEndpoints))]
    public void EveryContractEndpoint_IsDocumentedWithTagSummaryAndSuccessSchema(Endpoint endpoint)
    {
        var operation = Operation(endpoint.Method, endpoint.Path);

        operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe([endpoint.Tag]);
        operation.Str("summary").ShouldNotBeNullOrWhiteSpace();
        operation.Str("operationId").ShouldNotBeNullOrWhiteSpace();
        var success = Response(operation, endpoint.Success);
        SchemaName(success.GetProperty("content").GetProperty("application/json").GetProperty("schema")).ShouldBe(endpoint.Schema);
        Responses(operation).Where(s => s is >= 200 and < 300).ShouldBe([endpoint.Success], "exactly the contract's success status");
    }

    [Theory]
    [MemberData(nameof(ContractEndpoints))]
    public void ProtectedOperations_HaveBearerSecurityAndA401_OthersHaveNeither(Endpoint endpoint)
    {
        var operation = Operation(endpoint.Method, endpoint.Path);
        var bearer = operation.TryGetProperty("security", out var security)
            && security.EnumerateArray().Any(requirement => requirement.TryGetProperty("Bearer", out _));

        bearer.ShouldBe(endpoint.Protected);
        if (!endpoint.Protected)
        {
            if (endpoint.Path != "/auth/login") Responses(operation).ShouldNotContain(401);
            return;
        }

        var unauthorized = Response(operation, 401);
        ShouldBeDetailSchema(unauthorized);
        ExampleDetails(unauthorized).ShouldBe(["Not authenticated", "Could not validate credentials"], ignoreOrder: true);
        unauthorized.GetProperty("headers").TryGetProperty("WWW-Authenticate", out _).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(ContractEndpoints))]
    public void OperationsThatValidateInput_HaveA422WithTheContractsListShape(Endpoint endpoint)
    {
        var operation = Operation(endpoint.Method, endpoint.Path);
        if (!endpoint.Validates)
        {
            Responses(operation).ShouldNotContain(422);
            return;
        }

        var body = Resolve(Response(operation, 422).GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Required(body).ShouldBe(["detail"]);
        var list = body.GetProperty("properties").GetProperty("detail");
        list.Str("type").ShouldBe("array");
        var item = Resolve(list.GetProperty("items"));
        Required(item).ShouldBe(["loc", "msg", "type"], ignoreOrder: true);
        var properties = item.GetProperty("properties");
        properties.Keys().ShouldBe(["ctx", "input", "loc", "msg", "type", "url"]);
        properties.GetProperty("type").Str("type").ShouldBe("string");
        properties.GetProperty("msg").Str("type").ShouldBe("string");
        var loc = properties.GetProperty("loc");
        loc.Str("type").ShouldBe("array");
        loc.GetProperty("items").GetProperty("anyOf").EnumerateArray().Select(s => s.Str("type")).ShouldBe(["string", "integer"], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(ContractErrors))]
    public void ContractErrors_AreDocumentedWithTheirDetailTexts(string method, string path, int status, string detail)
    {
        var response = Response(Operation(method, path), status);
        ShouldBeDetailSchema(response);
        ExampleDetails(response).ShouldContain(detail);
    }

    [Fact]
    public void Register_TakesAJsonBodyWithTheContractsFieldsAndConstraints()
    {
        var schema = RequestSchema("POST", "/auth/register", "application/json", out var required);
        required.ShouldBeTrue();
        Required(schema).ShouldBe(["email", "password", "username"], ignoreOrder: true);
        var properties = schema.GetProperty("properties");
        properties.Keys().ShouldBe(["current_level", "email", "password", "target_score", "username"]);

        properties.GetProperty("email").Str("format").ShouldBe("email");
        properties.GetProperty("email").GetProperty("maxLength").GetInt32().ShouldBe(255);
        ShouldBeLength(properties.GetProperty("password"), 6, 100);
        ShouldBeLength(properties.GetProperty("username"), 2, 100);
        ShouldBeBand(properties.GetProperty("current_level"));
        ShouldBeBand(properties.GetProperty("target_score"));
        properties.GetProperty("current_level").GetProperty("default").GetDouble().ShouldBe(6.0);
        properties.GetProperty("target_score").GetProperty("default").GetDouble().ShouldBe(7.0);
    }

    [Fact]
    public void Login_TakesTheOAuth2PasswordForm_UrlencodedOrMultipart()
    {
        foreach (var contentType in new[] { "application/x-www-form-urlencoded", "multipart/form-data" })
        {
            var schema = RequestSchema("POST", "/auth/login", contentType, out _);
            Required(schema).ShouldBe(["password", "username"], ignoreOrder: true);
            schema.GetProperty("properties").Keys().ShouldBe(["client_id", "client_secret", "grant_type", "password", "scope", "username"]);
        }

        Operation("POST", "/auth/login").GetProperty("requestBody").GetProperty("content").Keys()
            .ShouldBe(["application/x-www-form-urlencoded", "multipart/form-data"]);
    }

    [Fact]
    public void JsonBodies_OfPatchLevelFilterAndPartnerRequest_MatchTheContract()
    {
        var patch = RequestSchema("PATCH", "/users/{user_id}", "application/json", out _);
        Required(patch).ShouldBeEmpty();
        var fields = patch.GetProperty("properties");
        fields.Keys().ShouldBe(["current_level", "target_score", "username"]);
        ShouldBeLength(fields.GetProperty("username"), 2, 100);
        ShouldBeBand(fields.GetProperty("current_level"));
        ShouldBeBand(fields.GetProperty("target_score"));
        Types(fields.GetProperty("username")).ShouldNotContain("null", "an explicit null is a 422 (D-21)");

        var level = RequestSchema("POST", "/queue/level-filter", "application/json", out var levelBodyRequired);
        levelBodyRequired.ShouldBeTrue("no body is a 422 at [\"body\"]");
        Required(level).ShouldBeEmpty();
        level.GetProperty("properties").Keys().ShouldBe(["level_filter"]);
        ShouldBeBand(level.GetProperty("properties").GetProperty("level_filter"));
        Types(level.GetProperty("properties").GetProperty("level_filter")).ShouldContain("null");

        var request = RequestSchema("POST", "/partners/request", "application/json", out _);
        Required(request).ShouldBe(["to_user_id"]);
        request.GetProperty("properties").GetProperty("to_user_id").Str("format").ShouldBe("uuid");
    }

    [Fact]
    public void QueryAndPathParameters_AreDocumentedWithTheirTypes()
    {
        var list = Parameters(Operation("GET", "/users"));
        list.Keys.ShouldBe(["limit", "online_only", "skip"], ignoreOrder: true);
        list["online_only"].GetProperty("schema").Str("type").ShouldBe("boolean");
        list["skip"].GetProperty("schema").Str("type").ShouldBe("integer");
        list["skip"].GetProperty("schema").GetProperty("minimum").GetInt32().ShouldBe(0);
        list["limit"].GetProperty("schema").Str("type").ShouldBe("integer");
        list["limit"].GetProperty("schema").GetProperty("default").GetInt32().ShouldBe(50);
        foreach (var parameter in list.Values)
        {
            parameter.Str("in").ShouldBe("query");
            (parameter.TryGetProperty("required", out var required) && required.GetBoolean()).ShouldBeFalse();
        }

        var search = Parameters(Operation("GET", "/partners/search"))["q"];
        search.Str("in").ShouldBe("query");
        search.GetProperty("required").GetBoolean().ShouldBeTrue();
        search.GetProperty("schema").Str("type").ShouldBe("string");
        search.GetProperty("schema").GetProperty("minLength").GetInt32().ShouldBe(2);

        foreach (var (method, path, name) in new[]
                 {
                     ("GET", "/users/{user_id}", "user_id"), ("PATCH", "/users/{user_id}", "user_id"),
                     ("POST", "/partners/requests/{request_id}/accept", "request_id"), ("POST", "/partners/requests/{request_id}/reject", "request_id"),
                     ("DELETE", "/partners/{partner_user_id}", "partner_user_id"),
                 })
        {
            var parameter = Parameters(Operation(method, path))[name];
            parameter.Str("in").ShouldBe("path");
            parameter.GetProperty("required").GetBoolean().ShouldBeTrue();
            parameter.GetProperty("schema").Str("type").ShouldBe("string");
            parameter.GetProperty("schema").Str("format").ShouldBe("uuid");
        }
    }

    [Theory]
    [InlineData("Token", new[] { "access_token", "token_type", "user" })]
    [InlineData("User", new[] { "created_at", "current_level", "email", "id", "is_online", "last_seen", "target_score", "username" })]
    [InlineData("QueueStatus", new[] { "estimated_wait_seconds", "in_queue", "joined_at", "mode", "position" })]
    [InlineData("PartnerRequest", new[] { "created_at", "from_level", "from_user_id", "from_username", "id", "status", "to_level", "to_user_id", "to_username" })]
    [InlineData("Partner", new[] { "current_level", "id", "is_online", "last_seen", "partnership_date", "target_score", "user_id", "username" })]
    [InlineData("UserSearchResult", new[] { "current_level", "has_pending_request", "id", "is_online", "is_partner", "username" })]
    public void ResourceSchemas_HoldExactlyTheContractsFields_AllAlwaysPresent(string name, string[] fields)
    {
        var schema = Component(name);
        schema.GetProperty("properties").Keys().ShouldBe(fields);
        Required(schema).ShouldBe(fields, ignoreOrder: true);
    }

    [Fact]
    public void ResourceSchemas_HaveTheContractsTypes()
    {
        var token = Component("Token").GetProperty("properties");
        token.GetProperty("access_token").Str("type").ShouldBe("string");
        token.GetProperty("token_type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ShouldBe(["bearer"]);
        SchemaName(token.GetProperty("user")).ShouldBe("User");

        var user = Component("User").GetProperty("properties");
        user.GetProperty("id").Str("format").ShouldBe("uuid");
        Types(user.GetProperty("email")).ShouldBe(["null", "string"], ignoreOrder: true);
        Types(user.GetProperty("current_level")).ShouldBe(["number"], "levels are numbers on the wire, never strings or null");
        Types(user.GetProperty("is_online")).ShouldBe(["boolean"]);
        Types(user.GetProperty("last_seen")).ShouldBe(["string"]);
        user.GetProperty("last_seen").Str("format").ShouldBe("date-time");

        var queue = Component("QueueStatus").GetProperty("properties");
        Types(queue.GetProperty("in_queue")).ShouldBe(["boolean"]);
        Types(queue.GetProperty("position")).ShouldBe(["integer", "null"], ignoreOrder: true);
        Types(queue.GetProperty("joined_at")).ShouldBe(["null", "string"], ignoreOrder: true);

        Component("PartnerRequest").GetProperty("properties").GetProperty("status").GetProperty("enum").EnumerateArray()
            .Select(e => e.GetString()).ShouldBe(["pending", "accepted", "rejected"], ignoreOrder: true);
    }

    [Fact]
    public void EverySchemaProperty_IsSnakeCase()
    {
        // The Speaking contract is snake_case; the Quorra module (under /quorra) speaks camelCase by its own contract, and
        // /webrtc answers in the browser's RTCConfiguration names (iceServers), which the frontend reads as they are.
        var speaking = SchemasReachedFrom(_doc.GetProperty("paths").EnumerateObject()
            .Where(p => !p.Name.StartsWith("/quorra", StringComparison.Ordinal) && !p.Name.StartsWith("/webrtc/", StringComparison.Ordinal))
            .Select(p => p.Value));
        var names = _doc.GetProperty("components").GetProperty("schemas").EnumerateObject()
            .Where(schema => speaking.Contains(schema.Name))
            .SelectMany(schema => schema.Value.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Select(p => $"{schema.Name}.{p.Name}")
                : []).ToList();

        names.ShouldContain("RegisterRequest.current_level");
        names.ShouldContain("PartnerRequestBody.to_user_id");
        names.Where(n => !SnakeCase().IsMatch(n.Split('.')[1])).ShouldBeEmpty();
    }

    /// <summary>The component schemas referenced from these parts of the document, directly or through other schemas.</summary>
    private HashSet<string> SchemasReachedFrom(IEnumerable<JsonElement> roots)
    {
        var schemas = _doc.GetProperty("components").GetProperty("schemas");
        var reached = new HashSet<string>();
        var pending = new Stack<JsonElement>(roots);
        while (pending.Count > 0)
        {
            var element = pending.Pop();
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name == "$ref" && property.Value.GetString() is { } reference
                            && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal)
                            && reached.Add(reference["#/components/schemas/".Length..])
                            && schemas.TryGetProperty(reference["#/components/schemas/".Length..], out var target))
                            pending.Push(target);
                        else pending.Push(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray()) pending.Push(item);
                    break;
            }
        }

        return reached;
    }

    [Fact]
    public void WebrtcEndpoints_AreDocumented_TheAnonymousOneWithItsKeyAndRefusals()
    {
        var signedIn = Operation("GET", "/webrtc/ice-servers");
        var anonymous = Operation("GET", "/webrtc/turn-credentials");

        foreach (var operation in new[] { signedIn, anonymous })
        {
            operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["WebRTC"]);
            var view = Resolve(Response(operation, 200).GetProperty("content").GetProperty("application/json").GetProperty("schema"));
            view.GetProperty("properties").EnumerateObject().Select(p => p.Name).ShouldBe(["iceServers", "ttl"], ignoreOrder: true);
            var server = Resolve(view.GetProperty("properties").GetProperty("iceServers").GetProperty("items"));
            server.GetProperty("properties").EnumerateObject().Select(p => p.Name).ShouldBe(["urls", "username", "credential"], ignoreOrder: true);
            ShouldBeDetailSchema(Response(operation, 503));
        }

        signedIn.GetProperty("security").EnumerateArray().Any(r => r.TryGetProperty("Bearer", out _)).ShouldBeTrue();
        anonymous.TryGetProperty("security", out _).ShouldBeFalse();
        Responses(anonymous).ShouldBe([200, 403, 429, 503], ignoreOrder: true);
        Parameters(anonymous)["key"].Str("in").ShouldBe("query");
        _doc.GetProperty("tags").EnumerateArray().Single(t => t.Str("name") == "WebRTC").Str("description").ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void BearerScheme_IsAnHttpJwtScheme()
    {
        var scheme = _doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        scheme.Str("type").ShouldBe("http");
        scheme.Str("scheme").ShouldBe("bearer");
        scheme.Str("bearerFormat").ShouldBe("JWT");
    }

    [Fact]
    public void WebSocketEndpoint_IsDescribedAsAnUpgradeThatPointsAtTheProtocolDocument()
    {
        var operation = Operation("GET", "/ws/match/{user_id}");

        operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["Realtime"]);
        operation.Str("description").ShouldContain("docs/WEBSOCKET.md");
        Responses(operation).ShouldBe([101, 403]);
        operation.TryGetProperty("security", out _).ShouldBeFalse();
        var parameters = Parameters(operation);
        parameters["token"].Str("in").ShouldBe("query");
        parameters["token"].GetProperty("required").GetBoolean().ShouldBeTrue();
        parameters["user_id"].Str("in").ShouldBe("path");
    }

    [Fact]
    public void EveryDocumentedOperation_HasASummaryATagAndASuccessResponse()
    {
        var operations = AllOperations().ToList();
        operations.Count.ShouldBeGreaterThanOrEqualTo(Contract.Length + 1);

        foreach (var (method, path, operation) in operations)
        {
            operation.TryGetProperty("summary", out var summary).ShouldBeTrue($"{method} {path} has no summary");
            summary.GetString().ShouldNotBeNullOrWhiteSpace();
            var tags = operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
            tags.ShouldNotBeEmpty($"{method} {path} has no tag");
            tags.ShouldNotContain("Speaking.Api", $"{method} {path} has only the generator's default tag");
            Responses(operation).Any(s => s is >= 200 and < 300 or 101).ShouldBeTrue($"{method} {path} documents no success response");
        }

        var endpoints = fixture.Host.App.Web.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Select(e => "/" + e.RoutePattern.RawText!.Trim('/'))
            .Where(p => p != "/openapi.json")
            .ToHashSet();
        endpoints.Except(operations.Select(o => o.Path)).ShouldBeEmpty("every routed path is in the document");
    }

    [Fact]
    public void ARouteGroupOfAnotherModule_AppearsUnderItsOwnTag_WithTheSameSecurityRules()
    {
        var probe = Operation("GET", ApiDocsFixture.ProbePath);

        probe.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["Quorra"]);
        _doc.GetProperty("tags").EnumerateArray().Select(t => t.Str("name")).ShouldContain("Quorra");
        probe.GetProperty("security").EnumerateArray().Any(r => r.TryGetProperty("Bearer", out _)).ShouldBeTrue();
        ShouldBeDetailSchema(Response(probe, 401));
    }

    [Fact]
    public async Task DocumentedSecurity_IsWhatTheServiceEnforces()
    {
        foreach (var endpoint in Contract)
        {
            var path = endpoint.Path.Replace("{user_id}", Guid.NewGuid().ToString()).Replace("{request_id}", Guid.NewGuid().ToString())
                .Replace("{partner_user_id}", Guid.NewGuid().ToString());
            var response = await fixture.Host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(endpoint.Method), path));
            (response.StatusCode == HttpStatusCode.Unauthorized).ShouldBe(endpoint.Protected, $"{endpoint} without a token");
        }
    }

    [Fact]
    public async Task DocumentedBodies_DoNotNarrowTheContentTypesTheEndpointsTake()
    {
        // The framework's Accepts metadata would make routing answer 415 here; documenting a body must change nothing.
        var asText = await fixture.Host.Http.SendAsync(Wire.Raw(HttpMethod.Post, "/auth/register", null, "{}", "text/plain"));
        await asText.ShouldBeValidationErrorAsync("missing", "body", "email");

        var jsonLogin = await fixture.Host.Http.SendAsync(Wire.Raw(HttpMethod.Post, "/auth/login", null, """{"username":"a@example.com"}"""));
        await jsonLogin.ShouldBeValidationErrorAsync("missing", "body", "username");
    }

    [Fact]
    public async Task Docs_ServeTheInteractiveUi_OverTheDocument_WithEveryAssetFromThisService()
    {
        var response = await fixture.Host.Http.GetAsync("/docs"); // HttpClient follows the redirect to /docs/

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("openapi.json");
        html.ShouldContain("\"withDefaultFonts\":false", customMessage: "the default fonts come from Scalar's CDN");

        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        scripts.ShouldNotBeEmpty();
        foreach (var script in scripts)
        {
            script.ShouldNotContain("//", customMessage: "scripts are served by this service, not a CDN");
            var asset = await fixture.Host.Http.GetAsync(new Uri(response.RequestMessage!.RequestUri!, script));
            asset.StatusCode.ShouldBe(HttpStatusCode.OK, script);
            asset.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
        }
    }

    // --- reading the document ---

    private JsonElement Operation(string method, string path)
    {
        _doc.GetProperty("paths").TryGetProperty(path, out var item).ShouldBeTrue($"{path} is not in the document");
        item.TryGetProperty(method.ToLowerInvariant(), out var operation).ShouldBeTrue($"{method} {path} is not in the document");
        return operation;
    }

    private IEnumerable<(string Method, string Path, JsonElement Operation)> AllOperations() =>
        _doc.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete" or "head" or "options")
            .Select(m => (m.Name.ToUpperInvariant(), path.Name, m.Value)));

    private static IReadOnlyList<int> Responses(JsonElement operation) =>
        operation.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name)).ToList();

    private JsonElement Response(JsonElement operation, int status)
    {
        operation.GetProperty("responses").TryGetProperty(status.ToString(), out var response).ShouldBeTrue($"no {status} response");
        return response;
    }

    private static Dictionary<string, JsonElement> Parameters(JsonElement operation) =>
        operation.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.Str("name"));

    private JsonElement RequestSchema(string method, string path, string contentType, out bool required)
    {
        var body = Operation(method, path).GetProperty("requestBody");
        required = body.TryGetProperty("required", out var flag) && flag.GetBoolean();
        return Resolve(body.GetProperty("content").GetProperty(contentType).GetProperty("schema"));
    }

    private JsonElement Component(string name)
    {
        _doc.GetProperty("components").GetProperty("schemas").TryGetProperty(name, out var schema).ShouldBeTrue($"no {name} schema");
        return schema;
    }

    private JsonElement Resolve(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? Component(reference.GetString()!.Split('/')[^1]) : schema;

    /// <summary>"Name" for a $ref, "Name[]" for an array of them.</summary>
    private static string SchemaName(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? reference.GetString()!.Split('/')[^1]
        : schema.Str("type") == "array" ? SchemaName(schema.GetProperty("items")) + "[]"
        : throw new ShouldAssertException($"not a reference: {schema}");

    private static IReadOnlyList<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()!).ToList() : [];

    private static IReadOnlyList<string> Types(JsonElement schema) =>
        schema.GetProperty("type") is { ValueKind: JsonValueKind.Array } many ? many.EnumerateArray().Select(t => t.GetString()!).ToList() : [schema.Str("type")];

    private void ShouldBeDetailSchema(JsonElement response)
    {
        var schema = Resolve(response.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Required(schema).ShouldBe(["detail"]);
        schema.GetProperty("properties").GetProperty("detail").Str("type").ShouldBe("string");
    }

    private static IReadOnlyList<string> ExampleDetails(JsonElement response) =>
        response.GetProperty("content").GetProperty("application/json").GetProperty("examples").EnumerateObject()
            .Select(e => e.Value.GetProperty("value").Str("detail")).ToList();

    private static void ShouldBeLength(JsonElement schema, int min, int max)
    {
        schema.GetProperty("minLength").GetInt32().ShouldBe(min);
        schema.GetProperty("maxLength").GetInt32().ShouldBe(max);
    }

    private static void ShouldBeBand(JsonElement schema)
    {
        Types(schema).ShouldContain("number");
        Types(schema).ShouldNotContain("string");
        schema.GetProperty("minimum").GetDouble().ShouldBe(1.0);
        schema.GetProperty("maximum").GetDouble().ShouldBe(9.0);
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex("<script[^>]*\\bsrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
