using System.Net;

namespace Speaking.IntegrationTests.Support;

/// <summary>Partner requests through the REST API, the way the frontend makes them.</summary>
public static class PartnerSteps
{
    /// <summary>POST /partners/request from <paramref name="from"/> to <paramref name="to"/>; returns the request id.</summary>
    public static async Task<string> SendPartnerRequestAsync(this TestHost host, TestUser from, TestUser to)
    {
        var response = await host.SendAsync(HttpMethod.Post, "/partners/request", from, new { to_user_id = to.IdText });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).Str("id");
    }

    /// <summary>Makes the two users partners: a request from <paramref name="from"/> accepted by <paramref name="to"/>.</summary>
    public static async Task MakePartnersAsync(this TestHost host, TestUser from, TestUser to)
    {
        var id = await host.SendPartnerRequestAsync(from, to);
        await (await host.SendAsync(HttpMethod.Post, $"/partners/requests/{id}/accept", to)).ShouldBeMessageAsync("Sherik qo'shildi!");
    }
}
