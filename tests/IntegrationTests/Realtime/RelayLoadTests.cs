using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests.Realtime;

public sealed class RelayLoadTests
{
    [Fact]
    public async Task TwoHundredPairs_EachSendingFiftyCandidates_DeliverAllTwentyThousandInOrder()
    {
        const int pairs = 200;
        const int burst = 50;
        await using var host = await TestHost.StartAsync();
        // Registered a few at a time: the relay is under test here, not 400 password hashes racing for the database pool.
        var users = new List<TestUser>();
        foreach (var chunk in Enumerable.Range(0, pairs * 2).Chunk(16)) users.AddRange(await Task.WhenAll(chunk.Select(_ => host.RegisterAsync())));
        var sockets = new WsClient[users.Count];
        for (var i = 0; i < users.Count; i++) sockets[i] = await host.ConnectAsync(users[i]);
        foreach (var socket in sockets) await socket.SendAsync(new { type = "join_queue", data = new { mode = "roulette" } });
        var partnerOf = new Dictionary<string, int>();
        var index = users.Select((u, i) => (u.IdText, i)).ToDictionary(x => x.IdText, x => x.i);
        for (var i = 0; i < users.Count; i++)
        {
            var matched = await sockets[i].WaitForAsync("matched", TimeSpan.FromSeconds(60));
            partnerOf[users[i].IdText] = index[matched.GetProperty("data").Str("partner_id")];
        }

        try
        {
            var senders = Enumerable.Range(0, users.Count).Select(async i =>
            {
                var partner = users[partnerOf[users[i].IdText]];
                for (var n = 0; n < burst; n++)
                {
                    await sockets[i].SendAsync(new
                    {
                        type = "ice_candidate",
                        data = new { target_user_id = partner.IdText, data = new { candidate = new { candidate = $"candidate:{n}", sdpMid = "0", sdpMLineIndex = 0 } } },
                    });
                }
            });
            var receivers = Enumerable.Range(0, users.Count).Select(async i =>
            {
                var sequence = new List<string>();
                for (var n = 0; n < burst; n++)
                {
                    var message = await sockets[i].NextAsync(TimeSpan.FromSeconds(60));
                    message.Type().ShouldBe("ice_candidate");
                    message.Str("from_user_id").ShouldBe(users[partnerOf[users[i].IdText]].IdText);
                    sequence.Add(message.GetProperty("data").GetProperty("candidate").Str("candidate"));
                }

                return sequence;
            }).ToArray();

            await Task.WhenAll(senders);
            var received = await Task.WhenAll(receivers);

            received.Sum(r => r.Count).ShouldBe(pairs * 2 * burst);
            foreach (var sequence in received) sequence.ShouldBe(Enumerable.Range(0, burst).Select(n => $"candidate:{n}"));
        }
        finally
        {
            await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}
