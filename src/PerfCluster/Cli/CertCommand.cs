using System.CommandLine;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using PerfCluster.Engine.Security;

namespace PerfCluster.Cli;

/// <summary>
/// <c>perfcluster cert create-ca</c> and <c>perfcluster cert issue NAME</c>: the cluster's own certificate authority
/// and the node certificates the cluster transport's mutual TLS accepts (docs/security.md).
/// </summary>
public static partial class CertCommand
{
    public static Command Create()
    {
        var command = new Command("cert", "Make the cluster's certificate authority and node certificates for mutual TLS between nodes.");
        command.Subcommands.Add(CreateAuthority());
        command.Subcommands.Add(Issue());
        return command;
    }

    private static Command CreateAuthority()
    {
        var dir = Directory();
        var name = new Option<string>("--name") { Description = "The CA's common name.", DefaultValueFactory = _ => "PerfCluster cluster CA" };
        var days = Days(ClusterCertificates.AuthorityDays);
        var force = Force();
        var command = new Command("create-ca", "Create the cluster CA: DIR/ca.crt (give it to every node) and DIR/ca.key (keep it off the nodes).")
        {
            dir, name, days, force,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(dir)!;
            var ca = ClusterCertificates.CreateAuthority(parse.GetValue(name)!, ValidDays(parse.GetValue(days)));
            var (crt, key) = (Path.Combine(folder, "ca.crt"), Path.Combine(folder, "ca.key"));
            Write(parse.GetValue(force), (crt, ca.Certificate, false), (key, ca.Key, true));
            Console.Out.WriteLine($"Created the cluster CA: {crt} (for every node's --tls-ca) and {key} (private: only 'perfcluster cert issue' needs it)");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static Command Issue()
    {
        var name = new Argument<string>("NAME") { Description = "The node's name (letters, digits, '.', '-', '_'), e.g. coordinator or worker." };
        var dir = Directory();
        var caDir = new Option<string?>("--ca") { Description = "The folder holding ca.crt and ca.key (default: --dir)." };
        var names = new Option<string[]>("--san")
        {
            Description = "A DNS name or IP address to add to the certificate (repeat for several); peers check the CA, not the names.",
            AllowMultipleArgumentsPerToken = true,
        };
        var days = Days(ClusterCertificates.NodeDays);
        var pfx = new Option<bool>("--pfx") { Description = $"Also write NAME.pfx (certificate and key; password from ${ClusterTlsFiles.PasswordVariable}, none if unset)." };
        var force = Force();
        var command = new Command("issue", "Issue a node certificate signed by the cluster CA: DIR/NAME.crt and DIR/NAME.key.")
        {
            name, dir, caDir, names, days, pfx, force,
        };
        command.SetAction(parse =>
        {
            var node = parse.GetValue(name)!;
            if (!NodeName().IsMatch(node)) throw new UsageException($"NAME must be letters, digits, '.', '-' or '_' (got '{node}')");
            var folder = parse.GetValue(dir)!;
            var authorityFolder = parse.GetValue(caDir) ?? folder;
            var authority = ReadAuthority(authorityFolder);
            PemPair issued;
            try
            {
                issued = ClusterCertificates.Issue(authority, node, parse.GetValue(names) ?? [], ValidDays(parse.GetValue(days)));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new UsageException($"{authorityFolder}: ca.crt and ca.key cannot sign a certificate: {e.Message}");
            }
            var (crt, key) = (Path.Combine(folder, $"{node}.crt"), Path.Combine(folder, $"{node}.key"));
            var files = new List<(string, object, bool)> { (crt, issued.Certificate, false), (key, issued.Key, true) };
            if (parse.GetValue(pfx))
                files.Add((Path.Combine(folder, $"{node}.pfx"),
                    ClusterCertificates.ToPfx(issued, Environment.GetEnvironmentVariable(ClusterTlsFiles.PasswordVariable)), true));
            Write(parse.GetValue(force), files.ToArray());
            Console.Out.WriteLine($"Issued {crt} and {key} for node '{node}', valid {ValidDays(parse.GetValue(days))} days: " +
                                  $"start it with --tls-cert {crt} --tls-key {key} --tls-ca {Path.Combine(authorityFolder, "ca.crt")}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static PemPair ReadAuthority(string folder)
    {
        var (crt, key) = (Path.Combine(folder, "ca.crt"), Path.Combine(folder, "ca.key"));
        foreach (var file in new[] { crt, key })
            if (!File.Exists(file)) throw new UsageException($"{file} does not exist: make the CA first with 'perfcluster cert create-ca --dir {folder}'");
        return new PemPair(File.ReadAllText(crt), File.ReadAllText(key));
    }

    /// <summary>Writes every file or none: nothing is overwritten without --force, and keys are readable by their owner only.</summary>
    private static void Write(bool force, params (string Path, object Content, bool Secret)[] files)
    {
        if (!force && files.FirstOrDefault(f => File.Exists(f.Path)) is { Path: not null } existing)
            throw new UsageException($"{existing.Path} exists already (--force replaces it)");
        foreach (var (path, content, secret) in files)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            System.IO.Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (secret && !OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            {
                var bytes = content as byte[] ?? System.Text.Encoding.ASCII.GetBytes((string)content);
                stream.Write(bytes);
            }
            File.Move(temp, path, overwrite: true);
        }
    }

    private static Option<string> Directory() =>
        new("--dir", "-d") { Description = "The folder the files are written to.", DefaultValueFactory = _ => "certs" };

    private static Option<int> Days(int days) =>
        new("--days") { Description = $"Validity in days (default {days}).", DefaultValueFactory = _ => days };

    private static Option<bool> Force() => new("--force") { Description = "Replace files that exist." };

    private static int ValidDays(int days) =>
        days is >= 1 and <= 36500 ? days : throw new UsageException($"--days must be between 1 and 36500 (got {days})");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NodeName();
}
