using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;
using StackExchange.Redis;

namespace Speaking.Infrastructure.Redis;

/// <summary>
/// Carries envelopes between nodes over Redis pub/sub: one channel per node, to which only that node subscribes. A
/// node publishes an envelope on the channel of the node that holds the target connection; PUBLISH answers how many
/// subscribers got it, so a message to a node that is gone is reported as not delivered. Messages of one sender to one
/// receiver stay in order: one multiplexer publishes them in order and the subscriber handles its channel sequentially.
/// </summary>
/// <remarks>The notifier sends through this bus, so the bus finds the notifier only when it starts, not in its constructor.</remarks>
public sealed class RedisClusterBus(RedisConnection redis, NodeIdentity node, IServiceProvider services, ILogger<RedisClusterBus> logger)
    : IClusterBus, IHostedService
{
    private ChannelMessageQueue? _subscription;

    public static RedisChannel ChannelOf(string node) => RedisChannel.Literal(RedisPresence.Prefix + "node:" + node);

    public async ValueTask<bool> SendAsync(Envelope envelope) =>
        await redis.Subscriber.PublishAsync(ChannelOf(envelope.Target.Node), EnvelopeCodec.Encode(envelope)) > 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var notifier = services.GetRequiredService<RealtimeNotifier>();
        _subscription = await redis.Subscriber.SubscribeAsync(ChannelOf(node.Id));
        _subscription.OnMessage(message =>
        {
            try
            {
                notifier.Receive(EnvelopeCodec.Decode(message.Message!));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or EndOfStreamException or InvalidOperationException)
            {
                logger.LogWarning("Dropped a malformed envelope from the cluster bus: {Reason}", e.Message);
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null) await _subscription.UnsubscribeAsync();
    }
}

/// <summary>The envelope on the wire between nodes: a compact binary header, then the message's JSON frame as is.</summary>
public static class EnvelopeCodec
{
    private const byte Version = 1;

    public static byte[] Encode(Envelope envelope)
    {
        using var stream = new MemoryStream(envelope.Frame.Length + 128);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(envelope.Target.ToString());
            switch (envelope.Change)
            {
                case BindingChange.Bind bind:
                    writer.Write((byte)1);
                    writer.Write(bind.Binding.SessionId.ToByteArray());
                    writer.Write(bind.Binding.UserId.ToByteArray());
                    writer.Write(bind.Binding.PartnerId.ToByteArray());
                    writer.Write(bind.Binding.PartnerConnection?.ToString() ?? "");
                    break;
                case BindingChange.Unbind unbind:
                    writer.Write((byte)2);
                    writer.Write(unbind.SessionId.ToByteArray());
                    break;
                default:
                    writer.Write((byte)0);
                    break;
            }

            writer.Write(envelope.OnlyInSession is { } only);
            if (envelope.OnlyInSession is { } session) writer.Write(session.ToByteArray());
            writer.Write(envelope.Frame.Length);
            writer.Write(envelope.Frame);
        }

        return stream.ToArray();
    }

    public static Envelope Decode(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        if (reader.ReadByte() != Version) throw new FormatException("unknown envelope version");
        var target = ConnectionRef.Parse(reader.ReadString()) ?? throw new FormatException("bad target");
        BindingChange? change = reader.ReadByte() switch
        {
            0 => null,
            1 => new BindingChange.Bind(new SessionBinding(Id(reader), Id(reader), Id(reader), ConnectionRef.Parse(reader.ReadString()))),
            2 => new BindingChange.Unbind(Id(reader)),
            _ => throw new FormatException("unknown binding change"),
        };
        Guid? only = reader.ReadBoolean() ? Id(reader) : null;
        var length = reader.ReadInt32();
        if (length < 0 || length > bytes.Length) throw new FormatException("bad frame length");
        return new Envelope(target, reader.ReadBytes(length), change, only);
    }

    private static Guid Id(BinaryReader reader) => new(reader.ReadBytes(16));
}
