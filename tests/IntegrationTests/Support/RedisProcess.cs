using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// A real <c>redis-server</c> of the test's own on a free loopback port, in memory only (<c>--save "" --appendonly
/// no</c>), killed on dispose. <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> make an outage and end it on
/// the same port.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/redis-server";

    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    /// <summary>REDIS_URL for the service.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync()
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{Binary} is missing: apt-get install -y redis-server.");
        // A free port can be taken by someone else between the probe and redis's bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var redis = new RedisProcess(ChildProcesses.FreeTcpPort());
            if (await redis.LaunchAsync()) return redis;
            var output = string.Join('\n', redis._log);
            await redis.DisposeAsync();
            if (attempt < 5 && output.Contains("Address already in use", StringComparison.Ordinal)) continue;
            throw new InvalidOperationException($"redis-server did not start on 127.0.0.1:{redis.Port}:\n{output}");
        }
    }

    /// <summary>Kills the server (SIGKILL: nothing is flushed, clients see the connection drop).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        process.Dispose();
    }

    /// <summary>Starts an empty server again on the same port.</summary>
    public async Task StartAgainAsync()
    {
        if (!await LaunchAsync()) throw new InvalidOperationException($"redis-server did not start again on {Port}:\n{string.Join('\n', _log)}");
    }

    private async Task<bool> LaunchAsync()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath() })
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (await PongsAsync()) return true;
            await Task.Delay(50);
        }

        return false;
    }

    private async Task<bool> PongsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(TimeSpan.FromSeconds(2));
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or TimeoutException or IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
