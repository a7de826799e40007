import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage, parseS3Url } from '../../../src/storage/open-storage.js';
import { multipartPlan, MIN_PART_SIZE } from '../../../src/storage/s3.js';
import { validateKey, validatePrefix } from '../../../src/storage/contract.js';

describe('openStorage', () => {
  it('opens file:// URLs, absolute and relative paths as the file driver', () => {
    expect(openStorage('file:///var/backups/db').url).toBe('file:///var/backups/db');
    expect(openStorage('/var/backups/db').kind).toBe('file');
    expect(openStorage('backups', { cwd: '/srv/app' }).url).toBe(`file://${path.join('/srv/app', 'backups')}`);
  });

  it.each([
    ['ftp://host/dir', /unknown scheme "ftp:\/\/"/],
    ['http://bucket/x', /unknown scheme "http:\/\/"/],
    ['s3://', /bucket name is empty/],
    ['s3:///prefix', /bucket name is empty/],
    ['s3://Bad_Bucket/x', /not a valid bucket name/],
    ['s3://bucket/x?endpoint=ftp://h', /must be http/],
    ['s3://bucket/x?region=eu&colour=blue', /unknown option "colour"/],
    ['s3://bucket/x?forcePathStyle=maybe', /forcePathStyle must be true or false/],
    ['s3://bucket/x?sse=DES', /sse must be AES256 or aws:kms/],
    ['s3://bucket/x?kmsKeyId=k', /kmsKeyId needs sse=aws:kms/],
    ['s3://bucket/a/../b', /prefix/],
    ['file://remote-host/dir', /must be local/],
    ['file:///', /filesystem root/],
    ['', /no backup storage is configured/],
    ['memory://backups', /memory:\/\/ keeps objects in this process only: everything written there is lost when the command exits/],
  ])('rejects %j with STORAGE_URL_INVALID', (url, message) => {
    let err: unknown;
    try {
      openStorage(url);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'STORAGE_URL_INVALID', exitCode: 2 });
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a missing storage setting with a hint naming --storage and DBROLLBACK_STORAGE', () => {
    expect(() => openStorage(undefined)).toThrow(expect.objectContaining({ hint: expect.stringMatching(/--storage.*DBROLLBACK_STORAGE/) }));
  });
});

describe('parseS3Url', () => {
  it('reads bucket, prefix and every option from the URL', () => {
    const o = parseS3Url('s3://my-bucket/team/db?endpoint=http%3A%2F%2F127.0.0.1%3A9000&forcePathStyle=true&region=eu-west-1&sse=aws:kms&kmsKeyId=key-1', { env: {} });
    expect(o).toMatchObject({ bucket: 'my-bucket', prefix: 'team/db/', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, region: 'eu-west-1', sse: 'aws:kms', kmsKeyId: 'key-1' });
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL; the URL wins over both', () => {
    expect(parseS3Url('s3://b-1/x', { env: { AWS_ENDPOINT_URL: 'http://generic:1', AWS_ENDPOINT_URL_S3: 'http://s3only:2' } }).endpoint).toBe('http://s3only:2');
    expect(parseS3Url('s3://b-1/x', { env: { AWS_ENDPOINT_URL: 'http://generic:1' } }).endpoint).toBe('http://generic:1');
    expect(parseS3Url('s3://b-1/x?endpoint=http://url:3', { env: { AWS_ENDPOINT_URL_S3: 'http://s3only:2' } }).endpoint).toBe('http://url:3');
  });

  it('defaults the region only when a custom endpoint is used (the SDK insists on one)', () => {
    expect(parseS3Url('s3://b-1/x?endpoint=http://h:1', { env: {} }).region).toBe('us-east-1');
    expect(parseS3Url('s3://b-1/x', { env: {} }).region).toBeUndefined();
    expect(parseS3Url('s3://b-1/x', { env: { AWS_REGION: 'ap-south-1' } }).region).toBe('ap-south-1');
  });

  it('a bucket without prefix has an empty prefix', () => {
    expect(parseS3Url('s3://b-1', { env: {} }).prefix).toBe('');
    expect(parseS3Url('s3://b-1/', { env: {} }).prefix).toBe('');
  });
});

describe('multipartPlan', () => {
  it('uses 5 MiB parts for small or unknown sizes', () => {
    expect(multipartPlan(undefined).partSize).toBe(MIN_PART_SIZE);
    expect(multipartPlan(1024 * 1024 * 1024).partSize).toBe(MIN_PART_SIZE);
  });

  it('grows the part size so a 100 GiB dump stays well under 10,000 parts, and shrinks the queue to bound memory', () => {
    const size = 100 * 1024 ** 3;
    const plan = multipartPlan(size);
    expect(size / plan.partSize).toBeLessThan(9000);
    expect((plan.queueSize + 1) * plan.partSize).toBeLessThanOrEqual(160 * 1024 * 1024);
  });

  it('a fixed part size (tests) wins over the estimate', () => {
    expect(multipartPlan(100 * 1024 ** 3, 6 * 1024 * 1024).partSize).toBe(6 * 1024 * 1024);
  });
});

describe('key validation', () => {
  it('accepts ordinary relative keys', () => {
    expect(validateKey('backups/20261121T083000Z-a1b2c3/dump.pgcustom')).toBeTruthy();
    expect(validatePrefix('')).toBe('');
    expect(validatePrefix('audit/')).toBe('audit/');
  });

  it.each(['..', 'a/../b', '/etc', 'a\\b', 'a\u007fb', 'a/./b', 'x'.repeat(1025)])('refuses %j', (key) => {
    expect(() => validateKey(key)).toThrow(expect.objectContaining({ code: 'STORAGE_KEY_INVALID' }));
  });
});
