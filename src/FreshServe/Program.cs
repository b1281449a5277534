using FreshServe.Cli;

namespace FreshServe;

public static class Program
{
    public static Task<int> Main(string[] args) => FreshServeApp.RunAsync(args, Console.Out, Console.Error);
}
