using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Hardening;

/// <summary>
/// Issue 12, REST fuzz: every endpoint of the contract gets generated bodies, query strings and path ids built from
/// malformed JSON, wrong types, lone surrogates, NUL, invalid UTF-8, huge and non-finite numbers, deep nesting, huge
/// strings, repeated keys and broken forms, with a valid, missing or garbage bearer token. No answer is a 5xx; every
/// answer carries the CORS headers of the allowed origin; every refusal is <c>{"detail": text}</c> or the 422 list;
/// every success is JSON; afterwards the service answers normally. Fixed seed; <c>FUZZ_ITERATIONS</c> for longer runs.
/// </summary>
public sealed class RestFuzzTests : IAsyncLifetime
{
    private const int CiIterations = 400;
    private TestHost _host = null!;
    private TestUser _self = null!;
    private TestUser _other = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            // Failed logins are the point here; the login limits (tested elsewhere) would turn them all into 429.
            ["LOGIN_MAX_FAILURES_PER_EMAIL"] = "1000000",
            ["LOGIN_MAX_FAILURES_PER_ADDRESS"] = "1000000",
            ["REGISTER_MAX_PER_ADDRESS"] = "1000000",
            // TURN configured, so the credential routes are exercised past their "not configured" answer.
            ["TURN_SECRET"] = "fuzz-turn-secret",
            ["TURN_URLS"] = "turn:127.0.0.1:3478?transport=udp",
            ["TURN_CREDENTIALS_KEY"] = "fuzz-key",
        });
        _self = await _host.RegisterAsync("Fuzzer");
        _other = await _host.RegisterAsync("Other");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private enum Auth
    {
        Valid,
        None,
        Garbage,
    }

    private sealed record Endpoint(string Method, string Path, string Body = "none", params string[] Fields);

    /// <summary>
    /// Contract 3.1, plus readiness, issue 17's safety, moderation and queue-insight routes, issue 18's practice routes and
    /// issue 13's TURN routes. Body: "json", "form" or
    /// "none" (bodiless endpoints still get random bodies).
    /// </summary>
    private static readonly Endpoint[] Endpoints =
    [
        new("GET", "/"),
        new("GET", "/health"),
        new("GET", "/health/ready"),
        new("POST", "/auth/register", "json", "email", "password", "username", "current_level", "target_score"),
        new("POST", "/auth/login", "form", "username", "password", "grant_type", "scope", "client_id"),
        new("GET", "/auth/me"),
        new("GET", "/users", "query", "online_only", "skip", "limit"),
        new("GET", "/users/online/count"),
        new("GET", "/users/{id}"),
        new("PATCH", "/users/{id}", "json", "username", "current_level", "target_score", "email", "password"),
        new("POST", "/queue/roulette"),
        new("POST", "/queue/level-filter", "json", "level_filter"),
        new("POST", "/queue/leave"),
        new("GET", "/queue/status"),
        new("GET", "/partners/search", "query", "q"),
        new("POST", "/partners/request", "json", "to_user_id"),
        new("GET", "/partners/requests/incoming"),
        new("POST", "/partners/requests/{id}/accept"),
        new("POST", "/partners/requests/{id}/reject"),
        new("GET", "/partners/"),
        new("GET", "/partners"),
        new("DELETE", "/partners/{id}"),
        new("POST", "/users/{id}/block"),
        new("DELETE", "/users/{id}/block"),
        new("GET", "/users/me/blocks"),
        new("POST", "/users/{id}/report", "json", "reason", "details", "session_id"),
        new("GET", "/queue/stats"),
        new("GET", "/admin/reports", "query", "target_user_id", "suspended_only", "skip", "limit"),
        new("POST", "/admin/users/{id}/lift-suspension"),
        new("GET", "/sessions/history", "query", "skip", "limit"),
        new("GET", "/sessions/{id}"),
        new("GET", "/sessions/{id}/practice"),
        new("POST", "/sessions/{id}/feedback", "json", "fluency_coherence", "lexical_resource", "grammatical_range_accuracy", "pronunciation", "comment"),
        new("GET", "/users/me/progress"),
        new("GET", "/webrtc/ice-servers"),
        new("GET", "/webrtc/turn-credentials", "query", "key"),
    ];

    private sealed record Case(Endpoint Endpoint, string Id, string Query, byte[]? Body, string? ContentType, Auth Auth)
    {
        public override string ToString() =>
            $"{Endpoint.Method} {Endpoint.Path.Replace("{id}", Id)}{Query} auth={Auth} content-type={ContentType ?? "(none)"} body={Fuzz.Show(Body)}";
    }

    private static readonly Gen<Auth> AuthGen = Gen.Frequency<Auth>((8, Gen.Const(Auth.Valid)), (1, Gen.Const(Auth.None)), (1, Gen.Const(Auth.Garbage)));

    private static readonly Gen<string?> AnyContentType = Gen.OneOf<string?>(
        "application/json", null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/json; charset=utf-16");

    private static Gen<(byte[]?, string?)> BodyFor(Endpoint endpoint) => endpoint.Body switch
    {
        "json" => Gen.Frequency<(byte[]?, string?)>(
            (8, Fuzz.JsonBody(endpoint.Fields).Select(b => ((byte[]?, string?))(b, "application/json"))),
            (1, Gen.Select(Fuzz.JsonBody(endpoint.Fields), AnyContentType, (b, ct) => ((byte[]?, string?))(b, ct))),
            (1, Gen.Const(((byte[]?, string?))(null, "application/json")))),
        "form" => Fuzz.FormBody(endpoint.Fields).Select(f => ((byte[]?, string?))(f.Body, f.ContentType)),
        _ => Gen.Frequency<(byte[]?, string?)>(
            (3, Gen.Const(((byte[]?, string?))(null, "application/json"))),
            (1, Gen.Select(Fuzz.JsonBody(["x"]), AnyContentType, (b, ct) => ((byte[]?, string?))(b, ct)))),
    };

    private static readonly Gen<Case> Cases = Gen.OneOf(Endpoints).SelectMany(endpoint =>
        Gen.Select(Fuzz.PathId, endpoint.Body == "query" ? Fuzz.Query(endpoint.Fields) : Gen.Frequency<string>((4, Gen.Const("")), (1, Fuzz.Query(["x"]))),
            BodyFor(endpoint), AuthGen,
            (id, query, body, auth) => new Case(endpoint, id, query, body.Item1, body.Item2, auth)));

    private HttpRequestMessage Build(Case c)
    {
        var id = c.Id.Replace(Fuzz.Self, _self.IdText).Replace(Fuzz.Other, _other.IdText).Replace(Fuzz.SessionId, Guid.NewGuid().ToString());
        // PATCH mostly targets the caller, so the body reaches the update itself.
        if (c.Endpoint.Method == "PATCH" && id.Length % 3 != 0) id = _self.IdText;
        var request = new HttpRequestMessage(new HttpMethod(c.Endpoint.Method), c.Endpoint.Path.Replace("{id}", id) + c.Query);
        request.Headers.Add("Origin", Refusals.Origin);
        switch (c.Auth)
        {
            case Auth.Valid:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _self.Token);
                break;
            case Auth.Garbage:
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + _self.Token[..^4] + "AAAA");
                break;
        }

        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(Replace(Replace(c.Body, Fuzz.Self, _self.IdText), Fuzz.Other, _other.IdText));
            if (c.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            // A body over the limit is refused (413) before it is read, and the server stops reading: without waiting
            // for "100 Continue" the client could still be writing when the connection closes, and never see the 413.
            if (c.Body.Length > 8 * 1024) request.Headers.ExpectContinue = true;
        }

        return request;
    }

    /// <summary>Replaces an ASCII placeholder byte by byte, leaving any invalid UTF-8 around it as it is.</summary>
    private static byte[] Replace(byte[] body, string placeholder, string value)
    {
        var from = Encoding.ASCII.GetBytes(placeholder);
        var to = Encoding.ASCII.GetBytes(value);
        var result = new List<byte>(body.Length);
        for (var i = 0; i < body.Length;)
        {
            if (body.AsSpan(i).StartsWith(from))
            {
                result.AddRange(to);
                i += from.Length;
            }
            else
            {
                result.Add(body[i++]);
            }
        }

        return [.. result];
    }

    [Fact]
    public async Task NoGeneratedRequest_GetsA5xx_OrAnAnswerOutsideTheContract()
    {
        var count = 0;
        foreach (var (seed, c) in Fuzz.Cases(Cases, CiIterations))
        {
            var because = $"case {count} (FUZZ_CASE_SEED={seed}): {c}";
            HttpResponseMessage response;
            try
            {
                response = await _host.Http.SendAsync(Build(c));
            }
            catch (HttpRequestException e)
            {
                throw new ShouldAssertException($"No answer: {e.Message} ({e.InnerException?.Message}) for {because}", e);
            }

            using var _ = response;
            await response.ShouldBeAContractAnswerAsync(because);
            if ((int)response.StatusCode < 300)
                Should.NotThrow(() => JsonDocument.Parse(response.Content.ReadAsStream()).Dispose(), because);
            count++;
        }

        count.ShouldBeGreaterThan(0);

        // The service still answers normally.
        (await _host.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _host.SendAsync(HttpMethod.Get, "/auth/me", _self)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var fresh = await _host.RegisterAsync();
        var login = await _host.Http.PostAsync("/auth/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = fresh.Email, ["password"] = fresh.Password,
        }));
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _host.SendAsync(HttpMethod.Get, "/partners/", fresh)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
