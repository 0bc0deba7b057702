using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Speaking.Application.Auth;
using Speaking.Infrastructure.Auth;
using Speaking.IntegrationTests.Quorra;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Hardening;

/// <summary>
/// Issue 12 item 7: a limit is a reservation taken before the password hash, so requests sent all at once cannot
/// overrun it. Password verifications are counted by a decorator around the real hasher; accounts by the tables.
/// The same checks run on one node (in memory) and on two nodes sharing PostgreSQL and a real redis-server.
/// </summary>
public sealed class ParallelLimitTests
{
    private const int Limit = 10;
    private const int Burst = 50;

    [Fact]
    public async Task FiftyParallelWrongLogins_ForOneEmail_AreVerifiedAtMostTheLimit()
    {
        var verifications = new Verifications();
        await using var host = await TestHost.StartAsync(LoginLimit(), replaceServices: verifications.Count);
        var user = await host.RegisterAsync();

        var statuses = await BurstAsync(i => host.Http.PostAsync("/auth/login", LoginForm(user.Email, "wrong-" + i)));

        verifications.Value.ShouldBe(Limit);
        statuses.Count(s => s == HttpStatusCode.Unauthorized).ShouldBe(Limit);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(Burst - Limit);
        await (await host.Http.PostAsync("/auth/login", LoginForm(user.Email, user.Password)))
            .ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");
    }

    [Fact]
    public async Task ARightPassword_AfterFailuresBelowTheLimit_Succeeds_AndDoesNotCount()
    {
        var verifications = new Verifications();
        await using var host = await TestHost.StartAsync(LoginLimit(), replaceServices: verifications.Count);
        var user = await host.RegisterAsync();

        for (var i = 0; i < Limit - 1; i++)
            (await host.Http.PostAsync("/auth/login", LoginForm(user.Email, "wrong"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // One attempt is left, and each success gives it back. (Attempts in progress count too: sent all at once, only
        // one of these would be evaluated and the rest would be 429.)
        for (var i = 0; i < 5; i++)
            (await host.Http.PostAsync("/auth/login", LoginForm(user.Email, user.Password))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await host.Http.PostAsync("/auth/login", LoginForm(user.Email, "wrong"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await host.Http.PostAsync("/auth/login", LoginForm(user.Email, user.Password))).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        verifications.Value.ShouldBe(Limit - 1 + 5 + 1);
    }

    [Fact]
    public async Task FiftyParallelRegistrations_FromOneAddress_CreateAtMostTheLimit_SpeakingAndQuorraTogether()
    {
        await using var host = await TestHost.StartAsync(RegistrationLimit());

        var statuses = await BurstAsync(i => i % 2 == 0 ? host.Http.PostAsJsonAsync("/auth/register", NewUser()) : host.QuorraAsync(HttpMethod.Post,
            "/auth/register", null, new { username = "q" + Guid.NewGuid().ToString("N")[..12], password = "secret123" }));

        statuses.Count(s => s == HttpStatusCode.Created).ShouldBe(Limit);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(Burst - Limit);
        (await AccountsAsync(host)).ShouldBe(Limit);
    }

    [Fact]
    public async Task TwoNodesWithRedis_ShareTheLoginLimit()
    {
        await using var redis = await RedisProcess.StartAsync();
        var verifications = new Verifications();
        await using var first = await TestHost.StartAsync(LoginLimit(redis), replaceServices: verifications.Count);
        await using var second = await TestHost.StartAsync(LoginLimit(redis), first.ConnectionString, verifications.Count);
        var user = await first.RegisterAsync();
        TestHost[] nodes = [first, second];

        var statuses = await BurstAsync(i => nodes[i % 2].Http.PostAsync("/auth/login", LoginForm(user.Email, "wrong-" + i)));

        verifications.Value.ShouldBe(Limit);
        statuses.Count(s => s == HttpStatusCode.Unauthorized).ShouldBe(Limit);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(Burst - Limit);
    }

    [Fact]
    public async Task TwoNodesWithRedis_ShareTheRegistrationLimit()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var first = await TestHost.StartAsync(RegistrationLimit(redis));
        await using var second = await TestHost.StartAsync(RegistrationLimit(redis), first.ConnectionString);
        TestHost[] nodes = [first, second];

        var statuses = await BurstAsync(i => nodes[i % 2].Http.PostAsJsonAsync("/auth/register", NewUser()));

        statuses.Count(s => s == HttpStatusCode.Created).ShouldBe(Limit);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(Burst - Limit);
        (await AccountsAsync(first)).ShouldBe(Limit);
    }

    [Fact]
    public async Task WithRedis_TheFailuresOutliveTheNodeThatCountedThem()
    {
        await using var redis = await RedisProcess.StartAsync();
        var first = await TestHost.StartAsync(LoginLimit(redis));
        await using var second = await TestHost.StartAsync(LoginLimit(redis), first.ConnectionString);
        var user = await first.RegisterAsync();
        for (var i = 0; i < Limit; i++)
            (await first.Http.PostAsync("/auth/login", LoginForm(user.Email, "wrong"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        await first.DisposeAsync();

        await (await second.Http.PostAsync("/auth/login", LoginForm(user.Email, user.Password)))
            .ShouldBeDetailAsync(HttpStatusCode.TooManyRequests, "Too many login attempts");
    }

    /// <summary>
    /// Fail closed: while Redis does not answer, logins and registrations are 503 (as while the database is away), never
    /// let through uncounted and never called "too many"; once Redis is back they work without a restart.
    /// </summary>
    [Fact]
    public async Task WhileRedisIsAway_LoginAndRegistration_Are503_ThenRecover()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var host = await TestHost.StartAsync(LoginLimit(redis));
        var user = await host.RegisterAsync();

        await redis.StopAsync();

        var login = await host.Http.PostAsync("/auth/login", LoginForm(user.Email, user.Password));
        await login.ShouldBeDetailAsync(HttpStatusCode.ServiceUnavailable, "Service temporarily unavailable");
        login.Headers.RetryAfter.ShouldNotBeNull();
        await (await host.Http.PostAsJsonAsync("/auth/register", NewUser()))
            .ShouldBeDetailAsync(HttpStatusCode.ServiceUnavailable, "Service temporarily unavailable");
        await (await host.QuorraAsync(HttpMethod.Post, "/auth/login", null, new { username = "nobody", password = "secret123" }))
            .ShouldBeQuorraErrorAsync(HttpStatusCode.ServiceUnavailable, "Service temporarily unavailable");
        (await host.Http.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await redis.StartAgainAsync();

        (await Sessions.EventuallyAsync(async () =>
            (await host.Http.PostAsync("/auth/login", LoginForm(user.Email, user.Password))).StatusCode == HttpStatusCode.OK, seconds: 60)).ShouldBeTrue();
        (await host.Http.PostAsJsonAsync("/auth/register", NewUser())).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    private static Dictionary<string, string?> LoginLimit(RedisProcess? redis = null) => new()
    {
        ["LOGIN_MAX_FAILURES_PER_EMAIL"] = Limit.ToString(),
        ["REDIS_URL"] = redis?.Url,
    };

    private static Dictionary<string, string?> RegistrationLimit(RedisProcess? redis = null) => new()
    {
        ["REGISTER_MAX_PER_ADDRESS"] = Limit.ToString(),
        ["REDIS_URL"] = redis?.Url,
    };

    private static FormUrlEncodedContent LoginForm(string email, string password) =>
        new(new Dictionary<string, string> { ["username"] = email, ["password"] = password });

    private static object NewUser() => new { email = $"user{Guid.NewGuid():N}@example.com", password = "secret123", username = "user" + Guid.NewGuid().ToString("N")[..8] };

    /// <summary>Sends <see cref="Burst"/> requests at once (each on its own connection) and returns their statuses.</summary>
    private static async Task<HttpStatusCode[]> BurstAsync(Func<int, Task<HttpResponseMessage>> send)
    {
        const int count = Burst;
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, count).Select(async i =>
        {
            await start.WaitAsync();
            using var response = await send(i);
            return response.StatusCode;
        }).ToArray();
        start.Release(count);
        return await Task.WhenAll(requests);
    }

    private static async Task<long> AccountsAsync(TestHost host)
    {
        await using var db = await host.OpenDbAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM quorra_users)", db);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Counts password verifications: a decorator around the real hasher, installed in every node of a test.</summary>
    private sealed class Verifications
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public void Count(IServiceCollection services) => services.AddSingleton<IPasswordHasher>(provider =>
            new CountingHasher(new Pbkdf2PasswordHasher(provider.GetRequiredService<IOptions<PasswordHashingOptions>>()), this));

        private sealed class CountingHasher(IPasswordHasher inner, Verifications verifications) : IPasswordHasher
        {
            public string DummyHash => inner.DummyHash;

            public string Hash(string password) => inner.Hash(password);

            public bool Verify(string hash, string password)
            {
                Interlocked.Increment(ref verifications._value);
                return inner.Verify(hash, password);
            }
        }
    }
}
