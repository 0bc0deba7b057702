using System.Net;
using System.Net.WebSockets;
using Dapper;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

public sealed class HandshakeTests : HostPerTest
{
    private async Task<HttpStatusCode?> RefusalStatusAsync(string pathAndQuery)
    {
        using var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        try
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Host.App.BoundPort}{pathAndQuery}"), CancellationToken.None);
            return null;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }

    [Fact]
    public async Task BadHandshakes_AreRefusedWith403_AndWriteNothing()
    {
        var user = await Host.RegisterAsync();
        var other = await Host.RegisterAsync();
        var deleted = await Host.RegisterAsync();
        await using (var db = await Host.OpenDbAsync()) await db.ExecuteAsync("DELETE FROM users WHERE id = @Id", new { deleted.Id });

        var cases = new[]
        {
            $"/ws/match/{user.Id}",                                   // no token
            $"/ws/match/{user.Id}?token=",                            // empty token
            $"/ws/match/{user.Id}?token=not-a-jwt",                   // malformed
            $"/ws/match/{user.Id}?token={user.Token}x",               // bad signature
            $"/ws/match/{other.Id}?token={user.Token}",               // token of another user
            $"/ws/match/{user.Id.ToString().ToUpperInvariant()}?token={user.Token}", // path id not in canonical form
            $"/ws/match/{deleted.Id}?token={deleted.Token}",          // user no longer exists
            $"/ws/unknown/{user.Id}?token={user.Token}",              // unknown path
        };
        foreach (var path in cases) (await RefusalStatusAsync(path)).ShouldBe(HttpStatusCode.Forbidden, path);

        (await Host.IsOnlineAsync(user)).ShouldBeFalse();
        (await Host.IsOnlineAsync(other)).ShouldBeFalse();
    }

    [Fact]
    public async Task ValidHandshake_IsAccepted_MarksTheUserOnline_AndSendsNothing()
    {
        var user = await Host.RegisterAsync();
        await using var ws = await Host.ConnectAsync(user);
        (await ws.DrainAsync()).ShouldBeEmpty();
        (await Host.IsOnlineAsync(user)).ShouldBeTrue();
    }
}
