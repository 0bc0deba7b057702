using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Speaking.IntegrationTests.Support;

/// <summary>What a STUN/TURN server answered: success or an error code with its reason, and the addresses it gave.</summary>
public sealed record TurnAnswer(int MessageType, int? ErrorCode, string? Reason, IPEndPoint? RelayedAddress, IPEndPoint? MappedAddress)
{
    /// <summary>The class bits of the message type (RFC 5389, 6): 0b10 is a success response.</summary>
    public bool IsSuccess => (MessageType & 0x0110) == 0x0100;

    public override string ToString() => IsSuccess ? $"success 0x{MessageType:x4} relayed={RelayedAddress}" : $"error {ErrorCode} {Reason}";
}

/// <summary>
/// Just enough of a TURN client (RFC 5389 and 5766, over UDP) to ask a real coturn for an allocation the way a browser
/// does: an unauthenticated Allocate, the 401 challenge with REALM and NONCE, and the Allocate again with USERNAME,
/// REALM, NONCE and MESSAGE-INTEGRITY keyed with the long-term key MD5(username:realm:password). Then CreatePermission
/// for a peer address, to see which peers the server lets an allocation reach. Each instance is one 5-tuple, so one
/// allocation; requests are retransmitted until answered (loopback rarely drops, but nothing here depends on it).
/// </summary>
public sealed class TurnClient : IDisposable
{
    private const uint MagicCookie = 0x2112A442;
    private const ushort Binding = 0x0001, Allocate = 0x0003, CreatePermission = 0x0008;
    private const ushort AttrUsername = 0x0006, AttrMessageIntegrity = 0x0008, AttrErrorCode = 0x0009, AttrXorPeerAddress = 0x0012,
        AttrRealm = 0x0014, AttrNonce = 0x0015, AttrXorRelayedAddress = 0x0016, AttrRequestedAddressFamily = 0x0017, AttrRequestedTransport = 0x0019,
        AttrXorMappedAddress = 0x0020;

    private readonly UdpClient _udp;
    private string? _username, _realm, _nonce;
    private byte[]? _key;

    public TurnClient(IPEndPoint server)
    {
        _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        _udp.Connect(server);
    }

    /// <summary>A STUN Binding request (no credentials): answers once the server listens.</summary>
    public Task<TurnAnswer> BindingAsync(TimeSpan? patience = null) => ExchangeAsync(Binding, _ => [], signed: false, patience);

    /// <summary>
    /// Allocate a UDP relay with these long-term credentials, answering the server's 401 (and a stale nonce) as a
    /// browser does; an IPv6 relay with <paramref name="ipv6"/> (RFC 6156 REQUESTED-ADDRESS-FAMILY).
    /// </summary>
    public async Task<TurnAnswer> AllocateAsync(string username, string password, bool ipv6 = false)
    {
        byte[][] request = ipv6
            ? [Attribute(AttrRequestedTransport, [17, 0, 0, 0]), Attribute(AttrRequestedAddressFamily, [2, 0, 0, 0])]
            : [Attribute(AttrRequestedTransport, [17, 0, 0, 0])]; // UDP
        Func<byte[], byte[][]> transport = _ => request;
        var challenge = await ExchangeAsync(Allocate, transport, signed: false);
        if (challenge.ErrorCode != 401 || _realm is null || _nonce is null)
            throw new InvalidOperationException($"Expected a 401 challenge with realm and nonce, got {challenge}");

        _username = username;
        _key = MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{_realm}:{password}"));
        var answer = await ExchangeAsync(Allocate, transport, signed: true);
        return answer.ErrorCode == 438 ? await ExchangeAsync(Allocate, transport, signed: true) : answer; // 438 carried a fresh nonce
    }

    /// <summary>CreatePermission for <paramref name="peer"/> on the allocation made by <see cref="AllocateAsync"/>.</summary>
    public async Task<TurnAnswer> CreatePermissionAsync(IPAddress peer)
    {
        if (_key is null) throw new InvalidOperationException("Allocate first.");
        Func<byte[], byte[][]> attributes = transaction => [Attribute(AttrXorPeerAddress, XorAddress(new IPEndPoint(peer, 9), transaction))];
        var answer = await ExchangeAsync(CreatePermission, attributes, signed: true);
        return answer.ErrorCode == 438 ? await ExchangeAsync(CreatePermission, attributes, signed: true) : answer;
    }

    /// <param name="attributes">The request's attributes for its transaction id (IPv6 XOR addresses depend on it).</param>
    private async Task<TurnAnswer> ExchangeAsync(ushort method, Func<byte[], byte[][]> attributes, bool signed, TimeSpan? patience = null)
    {
        var transaction = RandomNumberGenerator.GetBytes(12);
        var request = Encode(method, transaction, signed
            ? [.. attributes(transaction), Attribute(AttrUsername, Encoding.UTF8.GetBytes(_username!)), Attribute(AttrRealm, Encoding.UTF8.GetBytes(_realm!)),
                Attribute(AttrNonce, Encoding.UTF8.GetBytes(_nonce!))]
            : attributes(transaction), signed ? _key : null);

        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await _udp.SendAsync(request);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                while (true)
                {
                    var datagram = await _udp.ReceiveAsync(wait.Token);
                    if (Decode(datagram.Buffer, transaction) is { } answer) return answer;
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100); // ICMP port unreachable: nothing listens yet
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No answer to STUN method 0x{method:x4} from {_udp.Client.RemoteEndPoint}.");
        }
    }

    private static byte[] Encode(ushort type, byte[] transaction, byte[][] attributes, byte[]? integrityKey)
    {
        var body = attributes.SelectMany(a => a).ToList();
        var length = body.Count + (integrityKey is null ? 0 : 24);
        var message = new byte[20 + body.Count];
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(0), type);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), MagicCookie);
        transaction.CopyTo(message, 8);
        body.CopyTo(message, 20);
        if (integrityKey is null) return message;

        // RFC 5389, 15.4: HMAC-SHA1 over the message up to the attribute, its length already counting the attribute.
        return [.. message, .. Attribute(AttrMessageIntegrity, HMACSHA1.HashData(integrityKey, message))];
    }

    private TurnAnswer? Decode(byte[] message, byte[] transaction)
    {
        if (message.Length < 20 || BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(4)) != MagicCookie
            || !message.AsSpan(8, 12).SequenceEqual(transaction))
            return null;

        var type = BinaryPrimitives.ReadUInt16BigEndian(message);
        int? errorCode = null;
        string? reason = null;
        IPEndPoint? relayed = null, mapped = null;
        var end = Math.Min(message.Length, 20 + BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(2)));
        for (var at = 20; at + 4 <= end;)
        {
            var attribute = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at));
            var size = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at + 2));
            var value = message.AsSpan(at + 4, Math.Min(size, end - at - 4));
            switch (attribute)
            {
                case AttrErrorCode when value.Length >= 4:
                    errorCode = (value[2] & 0x7) * 100 + value[3];
                    reason = Encoding.UTF8.GetString(value[4..]);
                    break;
                case AttrRealm:
                    _realm = Encoding.UTF8.GetString(value);
                    break;
                case AttrNonce:
                    _nonce = Encoding.UTF8.GetString(value);
                    break;
                case AttrXorRelayedAddress:
                    relayed = ReadXorAddress(value, transaction);
                    break;
                case AttrXorMappedAddress:
                    mapped = ReadXorAddress(value, transaction);
                    break;
            }

            at += 4 + (size + 3) / 4 * 4;
        }

        return new TurnAnswer(type, errorCode, reason, relayed, mapped);
    }

    private static byte[] Attribute(ushort type, byte[] value)
    {
        var attribute = new byte[4 + (value.Length + 3) / 4 * 4];
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute.AsSpan(2), (ushort)value.Length);
        value.CopyTo(attribute, 4);
        return attribute;
    }

    /// <summary>
    /// An XOR-*-ADDRESS value (RFC 5389, 15.2): the port XORed with the cookie's high half, the address with the cookie
    /// (IPv4) or with the cookie and the transaction id (IPv6).
    /// </summary>
    private static byte[] XorAddress(IPEndPoint endpoint, byte[] transaction)
    {
        var address = endpoint.Address.GetAddressBytes();
        var value = new byte[4 + address.Length];
        value[1] = (byte)(address.Length == 4 ? 0x01 : 0x02);
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), (ushort)(endpoint.Port ^ (MagicCookie >> 16)));
        var mask = Mask(transaction);
        for (var i = 0; i < address.Length; i++) value[4 + i] = (byte)(address[i] ^ mask[i]);
        return value;
    }

    private static IPEndPoint? ReadXorAddress(ReadOnlySpan<byte> value, byte[] transaction)
    {
        var length = value.Length >= 8 && value[1] == 0x01 ? 4 : value.Length >= 20 && value[1] == 0x02 ? 16 : 0;
        if (length == 0) return null;
        var mask = Mask(transaction);
        var address = new byte[length];
        for (var i = 0; i < length; i++) address[i] = (byte)(value[4 + i] ^ mask[i]);
        return new IPEndPoint(new IPAddress(address), BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (int)(MagicCookie >> 16));
    }

    private static byte[] Mask(byte[] transaction)
    {
        var mask = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(mask, MagicCookie);
        transaction.CopyTo(mask, 4);
        return mask;
    }

    public void Dispose() => _udp.Dispose();
}
