using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Speaking.IntegrationTests.Support;

/// <summary>
/// What every suite that runs a program of its own needs (the service, redis-server, nginx, coturn): a free loopback
/// port to give it, SIGTERM as a process manager sends it, and a stop that falls back to killing the process tree.
/// </summary>
public static class ChildProcesses
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (another program may still take it first).</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A UDP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM, as Docker, systemd and Kubernetes do to stop a container or unit.</summary>
    public static void Terminate(Process process)
    {
        if (kill(process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGTERM, then the whole process tree if the program has not exited within 15 s.</summary>
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited) _ = kill(process.Id, SigTerm);
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
    }
}
