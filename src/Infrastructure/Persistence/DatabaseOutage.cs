using System.Net.Sockets;
using Npgsql;

namespace Speaking.Infrastructure.Persistence;

/// <summary>
/// Tells "the database did not answer" (stopped, restarting, unreachable, out of connections) from "the database
/// answered with an error". The first is temporary and answered 503 on REST and with an error message on the socket;
/// the second is a defect and stays a 500.
/// </summary>
public static class DatabaseOutage
{
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // 08: connection exception; 57P01-57P03: the server is shutting down or starting; 53300: too many connections.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
