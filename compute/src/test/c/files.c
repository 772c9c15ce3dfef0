/*
 * files: walks /golem/resources (readdir + stat), prints every entry with its type, size and mtime,
 * copies the first bytes of each file through a scratch file in /golem/work, and writes the listing to
 * /golem/output/listing.txt. It checks that a sandboxed program can use its folders like ordinary ones.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static FILE *listing;

static void out(const char *fmt, const char *path, long long size, long long mtime) {
  printf(fmt, path, size, mtime);
  fprintf(listing, fmt, path, size, mtime);
}

static int through_work(const char *path, char *first, size_t n) {
  FILE *in = fopen(path, "r");
  if (!in) return -1;
  size_t got = fread(first, 1, n - 1, in);
  first[got] = 0;
  fclose(in);
  FILE *w = fopen("/golem/work/scratch.tmp", "w");
  if (!w) return -2;
  fputs(first, w);
  fclose(w);
  FILE *r = fopen("/golem/work/scratch.tmp", "r");
  if (!r) return -3;
  size_t back = fread(first, 1, n - 1, r);
  first[back] = 0;
  fclose(r);
  return remove("/golem/work/scratch.tmp") == 0 ? 0 : -4;
}

static void walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    printf("opendir %s: %s\n", dir, strerror(errno));
    exit(1);
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) {
      printf("stat %s: %s\n", path, strerror(errno));
      exit(1);
    }
    if (S_ISDIR(st.st_mode)) {
      out("dir  %s %lld %lld\n", path, 0, (long long)st.st_mtime);
      walk(path);
    } else {
      char first[16];
      int rc = through_work(path, first, sizeof first);
      if (rc != 0) {
        printf("copy through /golem/work failed for %s (%d): %s\n", path, rc, strerror(errno));
        exit(1);
      }
      out("file %s %lld %lld", path, (long long)st.st_size, (long long)st.st_mtime);
      printf(" [%s]\n", first);
      fprintf(listing, " [%s]\n", first);
    }
  }
  closedir(d);
}

int main(void) {
  listing = fopen("/golem/output/listing.txt", "w");
  if (!listing) {
    printf("cannot create /golem/output/listing.txt: %s\n", strerror(errno));
    return 1;
  }
  walk("/golem/resources");
  fclose(listing);
  return 0;
}
