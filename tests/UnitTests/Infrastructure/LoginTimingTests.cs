using Microsoft.Extensions.Options;
using NSubstitute;
using Speaking.Application.Auth;
using Speaking.Application.Common;
using Speaking.Application.Users;
using Speaking.Infrastructure.Auth;
using Speaking.UnitTests.Support;

namespace Speaking.UnitTests.Infrastructure;

/// <summary>
/// Issue 12, item 11, checked by structure and never by timing: an unknown email runs the same verification function
/// as a wrong password, on a hash made by the same hasher with the configured algorithm and iteration count.
/// </summary>
public class LoginTimingTests
{
    private const int Iterations = 12_345;
    private const string Email = "ann@example.com";
    private readonly Pbkdf2PasswordHasher _real = new(Options.Create(new PasswordHashingOptions { Iterations = Iterations }));

    /// <summary>Identity v3 header: format marker, PRF, iteration count and salt length (13 bytes), plus the total length.</summary>
    private static (string Header, int Length) Shape(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        return (Convert.ToHexString(bytes, 0, 13), bytes.Length);
    }

    private static int IterationCount(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        return bytes[5] << 24 | bytes[6] << 16 | bytes[7] << 8 | bytes[8];
    }

    [Fact]
    public void TheDummyHash_HasTheFormatAndIterationCountOfARealOne()
    {
        var real = _real.Hash("secret123");

        Shape(_real.DummyHash).ShouldBe(Shape(real));
        IterationCount(_real.DummyHash).ShouldBe(Iterations);
        _real.DummyHash.ShouldNotBe(real);
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret123")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public void TheDummyHash_MatchesNoPassword(string password) => _real.Verify(_real.DummyHash, password).ShouldBeFalse();

    [Fact]
    public async Task AnUnknownEmail_RunsTheSameVerification_OnAHashShapedLikeARealUsersHash()
    {
        var recording = new RecordingHasher(_real);
        var users = Substitute.For<IUserRepository>();
        var ann = Fakes.User(email: Email, passwordHash: _real.Hash("right"));
        users.FindByEmailAsync(Email, Arg.Any<CancellationToken>()).Returns(ann);
        var handler = new LoginCommandHandler(users, recording, Substitute.For<ITokenIssuer>(), Fakes.Attempts(TimeProvider.System));

        await handler.Handle(new LoginCommand(Email, "wrong", Input<string>.Missing, null), default);
        await handler.Handle(new LoginCommand("nobody@example.com", "wrong", Input<string>.Missing, null), default);

        recording.Verified.Count.ShouldBe(2);
        recording.Verified[0].ShouldBe((ann.PasswordHash, "wrong"));
        recording.Verified[1].Password.ShouldBe("wrong");
        Shape(recording.Verified[1].Hash).ShouldBe(Shape(ann.PasswordHash));
        IterationCount(recording.Verified[1].Hash).ShouldBe(Iterations);
    }

    private sealed class RecordingHasher(IPasswordHasher inner) : IPasswordHasher
    {
        public List<(string Hash, string Password)> Verified { get; } = [];

        public string DummyHash => inner.DummyHash;

        public string Hash(string password) => inner.Hash(password);

        public bool Verify(string hash, string password)
        {
            Verified.Add((hash, password));
            return inner.Verify(hash, password);
        }
    }
}
