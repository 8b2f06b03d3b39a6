using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace ClickAnalytics.Readme.Tests;

/// <summary>
/// Every C# block of the README compiles as written: the Quick start as the whole
/// <c>Program.cs</c> of a web app, every other block pasted into that program (with its
/// <c>builder</c>, <c>app</c> and <c>args</c>, and the Quick start's usings), its type declarations
/// at the end of the file.
/// </summary>
[TestFixture]
public sealed partial class ReadmeSnippetsTests
{
    [Test]
    public void Every_csharp_snippet_of_the_readme_compiles_in_a_new_web_app()
    {
        string root = RepositoryRoot();
        string[] blocks = [.. CSharpBlock().Matches(File.ReadAllText(Path.Combine(root, "README.md"))).Select(m => m.Groups[1].Value)];
        string program = blocks.SingleOrDefault(b => b.Contains("WebApplication.CreateBuilder(args)", StringComparison.Ordinal))
            ?? throw new AssertionException("The README has no complete program (a block with WebApplication.CreateBuilder(args)).");
        string[] usings = [.. program.Split('\n').Where(l => l.StartsWith("using ", StringComparison.Ordinal))];

        string folder = Directory.CreateTempSubdirectory("clickanalytics-readme-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "Program.cs"), program);
            int n = 0;
            foreach (string block in blocks.Where(b => b != program))
            {
                File.WriteAllText(Path.Combine(folder, $"Snippet{++n}.cs"), AsFile(block, usings, n));
            }

            File.Copy(Path.Combine(root, "nuget.config"), Path.Combine(folder, "nuget.config"));
            File.WriteAllText(Path.Combine(folder, "Snippets.csproj"), Project(root));
            (int exit, string output) = Run(folder, "build", "-c", "Release", "-nologo", "-clp:ErrorsOnly", "-p:BuildProjectReferences=false");

            Assert.That(exit, Is.Zero, $"{n + 1} snippets in {folder}:\n{output}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A snippet as a file: its usings, its statements in a method, its type declarations after.</summary>
    private static string AsFile(string block, string[] programUsings, int n)
    {
        var usings = new StringBuilder();
        var statements = new StringBuilder();
        var types = new StringBuilder();
        bool inType = false;
        foreach (string line in block.Split('\n'))
        {
            if (!inType && line.StartsWith("using ", StringComparison.Ordinal))
            {
                usings.AppendLine(line);
            }
            else if (inType || TypeDeclaration().IsMatch(line))
            {
                inType = line != "}";
                types.AppendLine(line);
            }
            else
            {
                statements.AppendLine(line);
            }
        }

        return string.Join('\n', programUsings.Concat(usings.ToString().Split('\n')).Where(l => l.Length > 0).Distinct()) + $$"""


            static class Snippet{{n}}
            {
                public static async Task Run(WebApplicationBuilder builder, WebApplication app, string[] args)
                {
                    await Task.CompletedTask;
            {{statements}}
                }
            }

            {{types}}
            """;
    }

    private static string Project(string root)
    {
        string references = string.Join("\n", Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => $"    <ProjectReference Include=\"{p}\" />"));
        return $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <NoWarn>CS0219;CS8321;CS1998</NoWarn>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """;
    }

    private static (int Exit, string Output) Run(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "dotnet build did not finish in 5 minutes\n" + output);
        }

        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ClickAnalytics.sln")))
            {
                return directory.FullName;
            }
        }

        throw new AssertionException("The repository root (ClickAnalytics.sln) is not above the test's folder.");
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^((public|internal|sealed|static|abstract|partial|file)\s+)*(class|record|struct|interface)\s")]
    private static partial Regex TypeDeclaration();
}
