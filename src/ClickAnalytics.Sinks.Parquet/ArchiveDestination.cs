using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>
/// Where the archive's tree lives: a local folder, or a bucket and prefix of an S3-compatible
/// store. Paths are relative to the archive's root, with <c>/</c> between their parts. Files are
/// written from, and read into, local files: DuckDB reads only local files.
/// </summary>
internal abstract class ArchiveDestination : IDisposable
{
    /// <summary>Puts the local file at <paramref name="relative"/>, replacing what is there.</summary>
    public abstract Task PutFileAsync(string localFile, string relative, CancellationToken cancellationToken);

    /// <summary>
    /// A local file with what is stored at <paramref name="relative"/>, read from the destination now
    /// when <paramref name="fresh"/> (to verify what was stored, not what was sent), else from the
    /// local cache when it holds the same number of bytes.
    /// </summary>
    public abstract Task<string> GetFileAsync(string relative, long bytes, bool fresh, CancellationToken cancellationToken);

    /// <summary>The bytes stored at <paramref name="relative"/>, or null when nothing is.</summary>
    public abstract Task<byte[]?> ReadAsync(string relative, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="content"/> at <paramref name="relative"/> so that a reader sees the old content or the new, never a mix.</summary>
    public abstract Task WriteAsync(string relative, byte[] content, CancellationToken cancellationToken);

    /// <summary>A local file to write a new archive file into before it is put.</summary>
    public abstract string Scratch(string relative);

    /// <summary>Where <paramref name="relative"/> is, for logs.</summary>
    public abstract string Describe(string relative);

    public virtual void Dispose()
    {
    }

    public static ArchiveDestination Create(ParquetArchiveOptions options) =>
        string.IsNullOrEmpty(options.S3.Bucket) ? new FolderDestination(options.Folder) : new S3Destination(options);

    protected static string Local(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
}

/// <summary>The archive in a local folder: files are written next to their place and renamed into it.</summary>
internal sealed class FolderDestination(string folder) : ArchiveDestination
{
    private readonly string _root = Path.GetFullPath(folder);

    public override Task PutFileAsync(string localFile, string relative, CancellationToken cancellationToken)
    {
        string final = Local(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        File.Move(localFile, final, overwrite: true);
        return Task.CompletedTask;
    }

    public override Task<string> GetFileAsync(string relative, long bytes, bool fresh, CancellationToken cancellationToken)
    {
        string path = Local(_root, relative);
        return File.Exists(path) ? Task.FromResult(path) : throw new FileNotFoundException($"The archive has no file {path}.", path);
    }

    public override async Task<byte[]?> ReadAsync(string relative, CancellationToken cancellationToken)
    {
        string path = Local(_root, relative);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    public override async Task WriteAsync(string relative, byte[] content, CancellationToken cancellationToken)
    {
        string path = Local(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp";
        await using (FileStream stream = File.Create(temporary))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public override string Scratch(string relative)
    {
        string path = Local(_root, relative) + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public override string Describe(string relative) => Local(_root, relative);
}

/// <summary>
/// The archive in a bucket of S3 or of an S3-compatible store, under a prefix. Objects are sent with
/// <c>PutObject</c>, or in parts past <see cref="PartSize"/>, without chunked signing (which stores
/// that speak only plain S3 keep inside the object). Downloads land in the local cache folder.
/// </summary>
internal sealed class S3Destination : ArchiveDestination
{
    /// <summary>Files larger than this go up in parts of this size.</summary>
    internal const long PartSize = 64L * 1024 * 1024;

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _cache;

    public S3Destination(ParquetArchiveOptions options)
    {
        ParquetArchiveS3Options s3 = options.S3;
        _bucket = s3.Bucket;
        _prefix = string.IsNullOrEmpty(s3.Prefix) ? "" : s3.Prefix.Trim('/') + "/";
        _cache = Path.GetFullPath(string.IsNullOrEmpty(options.CacheFolder) ? Path.Combine(Path.GetTempPath(), "clickanalytics-archive", s3.Bucket) : options.CacheFolder);
        var config = new AmazonS3Config
        {
            ForcePathStyle = s3.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrEmpty(s3.ServiceUrl))
        {
            config.ServiceURL = s3.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrEmpty(s3.Region) ? "us-east-1" : s3.Region;
        }
        else if (!string.IsNullOrEmpty(s3.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(s3.Region);
        }

        _client = string.IsNullOrEmpty(s3.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), config);
    }

    private string Key(string relative) => _prefix + relative;

    public override async Task PutFileAsync(string localFile, string relative, CancellationToken cancellationToken)
    {
        long length = new FileInfo(localFile).Length;
        if (length <= PartSize)
        {
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = Key(relative), FilePath = localFile, UseChunkEncoding = false }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await PutInPartsAsync(localFile, length, Key(relative), cancellationToken).ConfigureAwait(false);
        }

        // The sent file becomes the cached copy; verification downloads what was stored anyway.
        string cached = Local(_cache, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.Move(localFile, cached, overwrite: true);
    }

    private async Task PutInPartsAsync(string localFile, long length, string key, CancellationToken cancellationToken)
    {
        InitiateMultipartUploadResponse upload = await _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        try
        {
            var parts = new List<PartETag>();
            for (int number = 1; (long)(number - 1) * PartSize < length; number++)
            {
                long position = (number - 1) * PartSize;
                UploadPartResponse part = await _client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = _bucket,
                        Key = key,
                        UploadId = upload.UploadId,
                        PartNumber = number,
                        FilePath = localFile,
                        FilePosition = position,
                        PartSize = Math.Min(PartSize, length - position),
                        UseChunkEncoding = false,
                    },
                    cancellationToken).ConfigureAwait(false);
                parts.Add(new PartETag(number, part.ETag));
            }

            await _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartETags = parts }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public override async Task<string> GetFileAsync(string relative, long bytes, bool fresh, CancellationToken cancellationToken)
    {
        string cached = Local(_cache, relative);
        if (!fresh && File.Exists(cached) && new FileInfo(cached).Length == bytes)
        {
            return cached;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        string temporary = cached + ".download";
        using (GetObjectResponse response = await _client.GetObjectAsync(_bucket, Key(relative), cancellationToken).ConfigureAwait(false))
        {
            await using Stream body = response.ResponseStream;
            await using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, cached, overwrite: true);
        return cached;
    }

    public override async Task<byte[]?> ReadAsync(string relative, CancellationToken cancellationToken)
    {
        try
        {
            using GetObjectResponse response = await _client.GetObjectAsync(_bucket, Key(relative), cancellationToken).ConfigureAwait(false);
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    // One PutObject replaces an object whole: a reader gets the old version or the new.
    public override Task WriteAsync(string relative, byte[] content, CancellationToken cancellationToken) =>
        _client.PutObjectAsync(
            new PutObjectRequest { BucketName = _bucket, Key = Key(relative), InputStream = new MemoryStream(content), UseChunkEncoding = false, ContentType = "application/json" },
            cancellationToken);

    public override string Scratch(string relative)
    {
        string path = Local(_cache, relative) + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public override string Describe(string relative) => $"s3://{_bucket}/{Key(relative)}";

    public override void Dispose() => _client.Dispose();
}
