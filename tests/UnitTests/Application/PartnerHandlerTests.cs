using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Partners;
using Speaking.Application.Safety;
using Speaking.Application.Users;
using Speaking.Domain.Common;
using Speaking.Domain.Partners;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

public class SendPartnerRequestCommandHandlerTests
{
    private readonly IPartnerRepository _partners = Substitute.For<IPartnerRepository>();
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>();
    private readonly Guid _me = Guid.NewGuid();
    private readonly Guid _target = Guid.NewGuid();
    private readonly PartnerRequestView _view;

    public SendPartnerRequestCommandHandlerTests()
    {
        _users.GetAsync(_target, Arg.Any<CancellationToken>()).Returns(Fakes.User(_target));
        _partners.TryCreateRequestAsync(Arg.Any<StoredPartnerRequest>(), Arg.Any<CancellationToken>()).Returns(true);
        _view = new PartnerRequestView(Guid.NewGuid(), _me, "me", 6, _target, "you", 7, "pending", Fakes.Now);
        _partners.GetRequestViewAsync(Arg.Any<Guid>(), Arg.Any<CancellationToken>()).Returns(_view);
    }

    private Task<Result<PartnerRequestView>> Send(Guid to, int cooldownHours = 24) =>
        new SendPartnerRequestCommandHandler(_partners, _users, _blocks, Fakes.ClockAt(Fakes.Now),
                Options.Create(new PartnerOptions { PartnerRequestCooldownHours = cooldownHours }))
            .Handle(new SendPartnerRequestCommand(_me, BodyShape.Object, to), default);

    [Fact]
    public async Task Handle_CreatesAPendingRequest()
    {
        var result = await Send(_target);

        result.Value.ShouldBe(_view);
        await _partners.Received(1).TryCreateRequestAsync(Arg.Is<StoredPartnerRequest>(r => r.FromUserId == _me && r.ToUserId == _target
            && r.Status == "pending" && r.CreatedAt == Fakes.Now), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_RefusesARequestToOneselfBeforeAnyLookUp()
    {
        var result = await Send(_me);

        result.Error.ShouldBe(PartnerErrors.RequestToSelf);
        result.Error!.Detail.ShouldBe("O'zingizga so'rov yubora olmaysiz");
        result.Error.Kind.ShouldBe(ErrorKind.BadRequest);
        await _users.DidNotReceiveWithAnyArgs().GetAsync(default, default);
    }

    [Fact]
    public async Task Handle_RefusesAnUnknownUserWith404BeforeThePartnerChecks()
    {
        _partners.ArePartnersAsync(Arg.Any<Guid>(), Arg.Any<Guid>(), Arg.Any<CancellationToken>()).Returns(true);

        var result = await Send(Guid.NewGuid());

        result.Error.ShouldBe(PartnerErrors.UserNotFound);
        result.Error!.Kind.ShouldBe(ErrorKind.NotFound);
        result.Error.Detail.ShouldBe("Foydalanuvchi topilmadi");
    }

    [Fact]
    public async Task Handle_BetweenUsersWhoBlockEachOther_AnswersAsForAnUnknownUser_AndStoresNothing()
    {
        _blocks.EitherBlocksAsync(_me, _target, Arg.Any<CancellationToken>()).Returns(true);

        var result = await Send(_target);

        result.Error.ShouldBe(PartnerErrors.UserNotFound);
        await _partners.DidNotReceiveWithAnyArgs().TryCreateRequestAsync(default!, default);
    }

    [Fact]
    public async Task Handle_RefusesExistingPartnersBeforeThePendingCheck()
    {
        _partners.ArePartnersAsync(_me, _target, Arg.Any<CancellationToken>()).Returns(true);
        _partners.HasPendingBetweenAsync(_me, _target, Arg.Any<CancellationToken>()).Returns(true);

        (await Send(_target)).Error!.Detail.ShouldBe("Allaqachon sheriklar");
    }

    [Fact]
    public async Task Handle_RefusesWhileARequestIsPending()
    {
        _partners.HasPendingBetweenAsync(_me, _target, Arg.Any<CancellationToken>()).Returns(true);

        (await Send(_target)).Error!.Detail.ShouldBe("So'rov allaqachon yuborilgan");
        await _partners.DidNotReceiveWithAnyArgs().TryCreateRequestAsync(default!, default);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(23.9, true)]
    [InlineData(24.1, false)]
    public async Task Handle_RefusesANewRequestWithin24HoursOfARejection(double hoursAgo, bool refused)
    {
        _partners.LastRejectionAsync(_me, _target, Arg.Any<CancellationToken>()).Returns(Fakes.Now.AddHours(-hoursAgo));

        var result = await Send(_target);

        result.IsSuccess.ShouldBe(!refused);
        if (refused) result.Error.ShouldBe(PartnerErrors.RequestAlreadySent);
    }

    [Fact]
    public async Task Handle_ACooldownOfZeroAllowsAnImmediateNewRequest()
    {
        _partners.LastRejectionAsync(_me, _target, Arg.Any<CancellationToken>()).Returns(Fakes.Now.AddMinutes(-1));

        (await Send(_target, cooldownHours: 0)).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_ALostInsertRaceAnswersAlreadySent()
    {
        _partners.TryCreateRequestAsync(Arg.Any<StoredPartnerRequest>(), Arg.Any<CancellationToken>()).Returns(false);

        (await Send(_target)).Error.ShouldBe(PartnerErrors.RequestAlreadySent);
    }
}

public class DecidePartnerRequestCommandHandlerTests
{
    private readonly IPartnerRepository _partners = Substitute.For<IPartnerRepository>();
    private readonly IBlockRepository _blocks = Substitute.For<IBlockRepository>();
    private readonly Guid _me = Guid.NewGuid();
    private readonly Guid _sender = Guid.NewGuid();

    private StoredPartnerRequest Stored(Guid to, string status = "pending")
    {
        var request = new StoredPartnerRequest(Guid.NewGuid(), _sender, to, status, Fakes.Now);
        _partners.GetRequestAsync(request.Id, Arg.Any<CancellationToken>()).Returns(request);
        return request;
    }

    private Task<Result<string>> Decide(Guid requestId, bool accept) =>
        new DecidePartnerRequestCommandHandler(_partners, _blocks, Fakes.ClockAt(Fakes.Now))
            .Handle(new DecidePartnerRequestCommand(_me, requestId, accept), default);

    [Theory]
    [InlineData(true, RequestDecision.Accepted, "Sherik qo'shildi!")]
    [InlineData(false, RequestDecision.Rejected, "So'rov rad etildi")]
    public async Task Handle_DecidesARequestAddressedToTheCaller(bool accept, RequestDecision decision, string message)
    {
        var request = Stored(_me);
        _partners.DecideAsync(request.Id, accept, Fakes.Now, Arg.Any<CancellationToken>()).Returns(decision);

        (await Decide(request.Id, accept)).Value.ShouldBe(message);
    }

    [Fact]
    public async Task Handle_UnknownRequestIs404()
    {
        var result = await Decide(Guid.NewGuid(), true);

        result.Error!.Kind.ShouldBe(ErrorKind.NotFound);
        result.Error.Detail.ShouldBe("So'rov topilmadi");
    }

    [Fact]
    public async Task Handle_ARequestForSomeoneElseIs403EvenWhenAlreadyHandled()
    {
        var request = Stored(Guid.NewGuid(), status: "accepted");

        var result = await Decide(request.Id, true);

        result.Error!.Kind.ShouldBe(ErrorKind.Forbidden);
        result.Error.Detail.ShouldBe("Bu so'rov sizga emas");
        await _partners.DidNotReceiveWithAnyArgs().DecideAsync(default, default, default, default);
    }

    [Fact]
    public async Task Handle_TheSenderCannotDecideTheirOwnRequest()
    {
        var request = new StoredPartnerRequest(Guid.NewGuid(), _me, _sender, "pending", Fakes.Now);
        _partners.GetRequestAsync(request.Id, Arg.Any<CancellationToken>()).Returns(request);

        (await Decide(request.Id, true)).Error.ShouldBe(PartnerErrors.RequestNotForYou);
    }

    [Theory]
    [InlineData("accepted")]
    [InlineData("rejected")]
    public async Task Handle_AnAlreadyHandledRequestIs400(string status)
    {
        var request = Stored(_me, status);

        var result = await Decide(request.Id, false);

        result.Error!.Kind.ShouldBe(ErrorKind.BadRequest);
        result.Error.Detail.ShouldBe("So'rov allaqachon ko'rib chiqilgan");
    }

    [Fact]
    public async Task Handle_ARequestDecidedConcurrentlyIsAlreadyHandled()
    {
        var request = Stored(_me);
        _partners.DecideAsync(request.Id, true, Fakes.Now, Arg.Any<CancellationToken>()).Returns(RequestDecision.NoLongerPending);

        (await Decide(request.Id, true)).Error.ShouldBe(PartnerErrors.RequestAlreadyHandled);
    }

    [Fact]
    public async Task Handle_AcceptingAPendingRequestBetweenBlockedUsers_IsAlreadyHandled_AndCreatesNoPartnership()
    {
        var request = Stored(_me);
        _blocks.EitherBlocksAsync(_sender, _me, Arg.Any<CancellationToken>()).Returns(true);

        (await Decide(request.Id, true)).Error.ShouldBe(PartnerErrors.RequestAlreadyHandled);
        await _partners.DidNotReceiveWithAnyArgs().DecideAsync(default, default, default, default);
    }
}
