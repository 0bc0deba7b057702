using NSubstitute;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Domain.Users;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Application;

public class UpdateUserCommandHandlerTests
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly User _me = Fakes.User(username: "ann", level: 6.0, target: 7.0);
    private readonly UpdateUserCommandHandler _handler;

    public UpdateUserCommandHandlerTests()
    {
        _users.GetAsync(_me.Id, Arg.Any<CancellationToken>()).Returns(_me);
        _handler = new UpdateUserCommandHandler(_users, Fakes.ClockAt(Fakes.Now));
    }

    private UpdateUserCommand Command(Guid target, Input<string> username, Input<double> level) =>
        new(_me.Id, target, BodyShape.Object, username, level, Input<double>.Missing);

    [Fact]
    public async Task Handle_RefusesAnotherUsersProfile()
    {
        var result = await _handler.Handle(Command(Guid.NewGuid(), "eve", 5.0), default);

        result.Error.ShouldBe(UserErrors.NotYourProfile);
        result.Error!.Detail.ShouldBe("You can only update your own profile");
        await _users.DidNotReceiveWithAnyArgs().UpdateProfileAsync(default!, default, default);
    }

    [Fact]
    public async Task Handle_ChangesOnlyTheFieldsSent()
    {
        var result = await _handler.Handle(Command(_me.Id, Input<string>.Missing, 7.5), default);

        result.Value.CurrentLevel.ShouldBe(7.5);
        result.Value.Username.ShouldBe("ann");
        result.Value.TargetScore.ShouldBe(7.0);
        result.Value.Email.ShouldBe(_me.Email);
        await _users.Received(1).UpdateProfileAsync(_me, Fakes.Now, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AnEmptyBodyWritesNothing()
    {
        var result = await _handler.Handle(Command(_me.Id, Input<string>.Missing, Input<double>.Missing), default);

        result.Value.Username.ShouldBe("ann");
        await _users.DidNotReceiveWithAnyArgs().UpdateProfileAsync(default!, default, default);
    }
}

public class ListUsersQueryHandlerTests
{
    private readonly IUserRepository _users = Substitute.For<IUserRepository>();
    private readonly IUserDirectory _directory = Substitute.For<IUserDirectory>();
    private readonly User _me = Fakes.User(email: "me@example.com");
    private readonly User _other = Fakes.User(email: "other@example.com");

    public ListUsersQueryHandlerTests() =>
        _users.ListAsync(Arg.Any<bool>(), Arg.Any<int>(), Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([_me, _other]);

    private Task<IReadOnlyList<UserView>> List(Input<bool> onlineOnly, Input<int> skip, Input<int> limit) =>
        new ListUsersQueryHandler(_users, _directory).Handle(new ListUsersQuery(_me.Id, onlineOnly, skip, limit), default);

    [Theory]
    [InlineData(1000, 100)]
    [InlineData(101, 100)]
    [InlineData(100, 100)]
    [InlineData(7, 7)]
    [InlineData(0, 0)]
    public async Task Handle_CapsTheLimitAt100(int asked, int used)
    {
        await List(false, 3, asked);
        await List(true, 3, asked);

        await _users.Received(1).ListAsync(false, 3, used, Arg.Any<CancellationToken>());
        await _directory.Received(1).OnlinePageAsync(_me.Id, 3, used, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_TakesTheOnlineListFromTheDirectory()
    {
        await List(true, Input<int>.Missing, Input<int>.Missing);

        await _directory.Received(1).OnlinePageAsync(_me.Id, 0, 50, Arg.Any<CancellationToken>());
        await _users.DidNotReceiveWithAnyArgs().ListAsync(default, default, default, default);
    }

    [Fact]
    public async Task Handle_UsesTheDefaultsWhenNothingIsSent()
    {
        await List(Input<bool>.Missing, Input<int>.Missing, Input<int>.Missing);

        await _users.Received(1).ListAsync(false, 0, 50, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_ShowsOnlyTheCallersOwnEmail()
    {
        var list = await List(Input<bool>.Missing, Input<int>.Missing, Input<int>.Missing);

        list.Single(u => u.Id == _me.Id).Email.ShouldBe("me@example.com");
        list.Single(u => u.Id == _other.Id).Email.ShouldBeNull();
    }
}
