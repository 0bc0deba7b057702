using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Speaking.Application.Common;
using Speaking.IntegrationTests.Support;

namespace Speaking.IntegrationTests;

/// <summary>The 60 s invitation lifetime, in the real service, with a clock the test moves instead of waiting a minute.</summary>
public sealed class InviteExpiryTests
{
    [Theory]
    [InlineData(59, true)]
    [InlineData(61, false)]
    public async Task AnInvitationCanBeAcceptedWithinSixtySeconds_AndNotAfter(int secondsLater, bool accepted)
    {
        var clock = new MovableClock();
        await using var host = await TestHost.StartAsync(replaceServices: services => services.AddSingleton<IClock>(clock));
        var inviter = await host.RegisterAsync();
        var invitee = await host.RegisterAsync();
        await host.MakePartnersAsync(inviter, invitee);
        await using var wi = await host.ConnectAsync(inviter);
        await using var wv = await host.ConnectAsync(invitee);
        (await wv.DrainAsync()).ShouldBeEmpty();

        await wi.SendAsync(new { type = "invite_partner", data = new { partner_user_id = invitee.IdText } });
        (await wi.NextAsync()).Type().ShouldBe("invite_sent");
        (await wv.NextAsync()).Type().ShouldBe("partner_invite");

        clock.Advance(TimeSpan.FromSeconds(secondsLater));
        await wv.SendAsync(new { type = "invite_response", data = new { inviter_user_id = inviter.IdText, accepted = true } });

        if (accepted)
        {
            (await wv.NextAsync()).Type().ShouldBe("matched");
            (await wi.NextAsync()).Type().ShouldBe("matched");
        }
        else
        {
            (await wv.NextAsync()).GetRawText().ShouldBe("""{"type":"invite_error","message":"No pending invitation from this user"}""");
            (await wi.DrainAsync()).ShouldBeEmpty();
        }

        await using var db = await host.OpenDbAsync();
        (await db.ExecuteScalarAsync<int>("SELECT count(*) FROM sessions")).ShouldBe(accepted ? 1 : 0);
    }
}
