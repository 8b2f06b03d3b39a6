using BenchmarkDotNet.Running;

namespace ClickAnalytics.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/ClickAnalytics.Benchmarks -- --filter '*'</c>.
/// See benchmarks/RESULTS.md for the commands and the numbers.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "store")
        {
            Storage.StoreLoad.Run(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
