using System.Text.RegularExpressions;
using Speaking.Domain.Common;
using Speaking.Domain.Sessions;

namespace Speaking.UnitTests.Domain;

public class SessionTests
{
    private static readonly DateTime Started = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly Guid _a = Guid.NewGuid();
    private readonly Guid _b = Guid.NewGuid();

    private Session Active() => Session.Start(Guid.NewGuid(), _a, _b, QueueMode.Roulette, "room_0123456789ab", Started);

    [Fact]
    public void Start_RefusesTheSameUserTwice() =>
        Should.Throw<ArgumentException>(() => Session.Start(Guid.NewGuid(), _a, _a, QueueMode.Roulette, "room_x", Started));

    [Fact]
    public void Start_MakesAnActiveSessionWithTheInitiatorAsUser1()
    {
        var session = Active();

        session.Status.ShouldBe(SessionStatus.Active);
        session.IsActive.ShouldBeTrue();
        session.User1Id.ShouldBe(_a);
        session.User2Id.ShouldBe(_b);
        session.StartedAt.ShouldBe(Started);
        session.EndedAt.ShouldBeNull();
    }

    [Fact]
    public void Complete_EndsAnActiveSession()
    {
        var session = Active();
        var end = Started.AddMinutes(10);

        session.Complete(end).ShouldBeTrue();

        session.Status.ShouldBe(SessionStatus.Completed);
        session.EndedAt.ShouldBe(end);
        session.IsActive.ShouldBeFalse();
    }

    [Fact]
    public void Cancel_EndsAnActiveSession()
    {
        var session = Active();

        session.Cancel(Started.AddMinutes(1)).ShouldBeTrue();

        session.Status.ShouldBe(SessionStatus.Cancelled);
        session.EndedAt.ShouldBe(Started.AddMinutes(1));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void CompleteOrCancel_ChangesNothingOnceTheSessionHasEnded(bool firstComplete, bool thenComplete)
    {
        var session = Active();
        var firstEnd = Started.AddMinutes(1);
        if (firstComplete) session.Complete(firstEnd); else session.Cancel(firstEnd);
        var statusAfterFirst = session.Status;

        var changed = thenComplete ? session.Complete(Started.AddMinutes(2)) : session.Cancel(Started.AddMinutes(2));

        changed.ShouldBeFalse();
        session.Status.ShouldBe(statusAfterFirst);
        session.EndedAt.ShouldBe(firstEnd);
    }

    [Fact]
    public void PartnerOf_GivesTheOtherParticipant()
    {
        var session = Active();

        session.PartnerOf(_a).ShouldBe(_b);
        session.PartnerOf(_b).ShouldBe(_a);
    }

    [Fact]
    public void PartnerOf_RefusesAStranger() => Should.Throw<ArgumentException>(() => Active().PartnerOf(Guid.NewGuid()));

    [Fact]
    public void IsParticipant_IsTrueOnlyForTheTwoUsers()
    {
        var session = Active();

        session.IsParticipant(_a).ShouldBeTrue();
        session.IsParticipant(_b).ShouldBeTrue();
        session.IsParticipant(Guid.NewGuid()).ShouldBeFalse();
    }

    [Fact]
    public void NewRoomId_IsRoomAndTwelveLowercaseHexDigitsOfTheGivenUuid()
    {
        var random = Guid.Parse("3F2A9C0D-1B4E-4A5B-8C7D-0123456789AB");

        Session.NewRoomId(random).ShouldBe("room_3f2a9c0d1b4e");
        for (var i = 0; i < 50; i++)
            Regex.IsMatch(Session.NewRoomId(Guid.NewGuid()), "^room_[0-9a-f]{12}$").ShouldBeTrue();
    }
}
