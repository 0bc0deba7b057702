using Speaking.Domain.Partners;

namespace Speaking.UnitTests.Domain;

public class InvitationBookTests
{
    private static readonly DateTime Sent = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly InvitationBook _book = new();
    private readonly Guid _inviter = Guid.NewGuid();
    private readonly Guid _invitee = Guid.NewGuid();

    [Fact]
    public void TryConsume_AcceptsARecordedInvitationOnce()
    {
        _book.Record(_inviter, _invitee, Sent);

        _book.TryConsume(_inviter, _invitee, Sent.AddSeconds(5)).ShouldBeTrue();
        _book.TryConsume(_inviter, _invitee, Sent.AddSeconds(6)).ShouldBeFalse();
        _book.Count.ShouldBe(0);
    }

    [Fact]
    public void TryConsume_FailsWithoutAnInvitation() => _book.TryConsume(_inviter, _invitee, Sent).ShouldBeFalse();

    [Theory]
    [InlineData(59.999, true)]
    [InlineData(60, false)]
    [InlineData(61, false)]
    public void TryConsume_FailsOnceSixtySecondsHavePassed(double secondsLater, bool accepted)
    {
        _book.Record(_inviter, _invitee, Sent);

        _book.TryConsume(_inviter, _invitee, Sent.AddSeconds(secondsLater)).ShouldBe(accepted);
    }

    [Fact]
    public void TryConsume_FailsForTheWrongInviteeAndKeepsTheInvitation()
    {
        _book.Record(_inviter, _invitee, Sent);

        _book.TryConsume(_inviter, Guid.NewGuid(), Sent).ShouldBeFalse();
        _book.TryConsume(_invitee, _inviter, Sent).ShouldBeFalse();
        _book.TryConsume(_inviter, _invitee, Sent).ShouldBeTrue();
    }

    [Fact]
    public void Record_ANewerInvitationReplacesTheOlderOne()
    {
        var other = Guid.NewGuid();
        _book.Record(_inviter, _invitee, Sent);

        _book.Record(_inviter, other, Sent.AddSeconds(30));

        _book.Count.ShouldBe(1);
        _book.TryConsume(_inviter, _invitee, Sent.AddSeconds(31)).ShouldBeFalse();
        _book.TryConsume(_inviter, other, Sent.AddSeconds(31)).ShouldBeTrue();
    }

    [Fact]
    public void Record_ANewerInvitationToTheSameInviteeRestartsTheLifetime()
    {
        _book.Record(_inviter, _invitee, Sent);
        _book.Record(_inviter, _invitee, Sent.AddSeconds(50));

        _book.TryConsume(_inviter, _invitee, Sent.AddSeconds(100)).ShouldBeTrue();
    }
}
