/*
 * render: a small ray caster that draws one horizontal band of an image, the way a Golem rendering
 * task splits a frame into subtasks.
 *
 *   render [SCENE [OUTDIR [BAND [COUNT]]]]
 *
 * Defaults: SCENE=/golem/resources/scene.txt OUTDIR=/golem/output BAND=0 COUNT=1.
 * The scene file is plain text, one item a line ('#' starts a comment):
 *   size W H                  image size in pixels (required, first)
 *   camera X Y Z              eye position; it looks along +Z at a screen at z = Z + 1
 *   light X Y Z               a point light (at most 8)
 *   sphere X Y Z R GRAY       a sphere and its gray level 0..255 (at most 64)
 *   plane Y GRAY              a horizontal floor at height Y
 * Band i of n covers rows [i*H/n, (i+1)*H/n). The band is written as a binary PGM (P5) named
 * band-<BAND>-of-<COUNT>.pgm. Only +, -, *, / and sqrt are used, so results are bit-identical on every
 * IEEE-754 machine (native or WebAssembly).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double x, y, z; } vec;
typedef struct { vec c; double r; int gray; } sphere;

static vec v(double x, double y, double z) { vec r = {x, y, z}; return r; }
static vec sub(vec a, vec b) { return v(a.x - b.x, a.y - b.y, a.z - b.z); }
static vec add(vec a, vec b) { return v(a.x + b.x, a.y + b.y, a.z + b.z); }
static vec scale(vec a, double s) { return v(a.x * s, a.y * s, a.z * s); }
static double dot(vec a, vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static vec norm(vec a) { return scale(a, 1.0 / sqrt(dot(a, a))); }

static int width, height, nspheres, nlights, has_plane, plane_gray;
static double plane_y;
static vec camera = {0, 1, -4};
static sphere spheres[64];
static vec lights[8];

static void die(const char *what, const char *detail) {
  fprintf(stderr, "render: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static void load(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open the scene file", strerror(errno));
  char line[256];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\n' || *p == 0) continue;
    sphere s;
    vec a;
    if (sscanf(p, "size %d %d", &width, &height) == 2) {
      if (width < 1 || height < 1 || width > 8192 || height > 8192) die("size out of range", p);
    } else if (sscanf(p, "camera %lf %lf %lf", &a.x, &a.y, &a.z) == 3) {
      camera = a;
    } else if (sscanf(p, "light %lf %lf %lf", &a.x, &a.y, &a.z) == 3) {
      if (nlights == 8) die("too many lights", NULL);
      lights[nlights++] = a;
    } else if (sscanf(p, "sphere %lf %lf %lf %lf %d", &s.c.x, &s.c.y, &s.c.z, &s.r, &s.gray) == 5) {
      if (nspheres == 64) die("too many spheres", NULL);
      spheres[nspheres++] = s;
    } else if (sscanf(p, "plane %lf %d", &plane_y, &plane_gray) == 2) {
      has_plane = 1;
    } else {
      char msg[64];
      snprintf(msg, sizeof msg, "line %d", lineno);
      die("cannot parse the scene file", msg);
    }
  }
  fclose(f);
  if (width == 0) die("the scene has no 'size W H' line", NULL);
}

/* Distance along the ray to the nearest hit, its normal and gray level; -1 if nothing is hit. */
static double hit(vec o, vec d, vec *n, int *gray) {
  double best = -1;
  for (int i = 0; i < nspheres; i++) {
    vec oc = sub(o, spheres[i].c);
    double b = dot(oc, d), c = dot(oc, oc) - spheres[i].r * spheres[i].r;
    double disc = b * b - c;
    if (disc < 0) continue;
    double t = -b - sqrt(disc);
    if (t > 1e-6 && (best < 0 || t < best)) {
      best = t;
      *n = norm(sub(add(o, scale(d, t)), spheres[i].c));
      *gray = spheres[i].gray;
    }
  }
  if (has_plane && d.y < 0) {
    double t = (plane_y - o.y) / d.y;
    if (t > 1e-6 && (best < 0 || t < best)) {
      best = t;
      *n = v(0, 1, 0);
      vec p = add(o, scale(d, t));
      int checker = ((int)floor(p.x) + (int)floor(p.z)) & 1;
      *gray = checker ? plane_gray : plane_gray / 2;
    }
  }
  return best;
}

static unsigned char shade(int px, int py) {
  double sx = (px + 0.5) / width * 2 - 1;
  double sy = 1 - (py + 0.5) / height * 2;
  double aspect = (double)width / height;
  vec d = norm(v(sx * aspect, sy, 1));
  vec n;
  int gray;
  double t = hit(camera, d, &n, &gray);
  if (t < 0) return (unsigned char)(20 + 40 * (py * 1.0 / height)); /* sky gradient */
  vec p = add(camera, scale(d, t));
  double light = 0.1;
  for (int i = 0; i < nlights; i++) {
    vec l = sub(lights[i], p);
    double dist = sqrt(dot(l, l));
    l = scale(l, 1 / dist);
    double lambert = dot(n, l);
    if (lambert <= 0) continue;
    vec sn;
    int sg;
    double st = hit(add(p, scale(n, 1e-4)), l, &sn, &sg);
    if (st > 0 && st < dist) continue; /* in shadow */
    light += lambert;
  }
  double value = gray * light;
  return (unsigned char)(value > 255 ? 255 : value);
}

int main(int argc, char **argv) {
  const char *scene = argc > 1 ? argv[1] : "/golem/resources/scene.txt";
  const char *outdir = argc > 2 ? argv[2] : "/golem/output";
  int band = argc > 3 ? atoi(argv[3]) : 0;
  int count = argc > 4 ? atoi(argv[4]) : 1;
  if (count < 1 || band < 0 || band >= count) die("BAND must be in 0..COUNT-1", NULL);
  load(scene);
  int y0 = (int)((long)band * height / count), y1 = (int)((long)(band + 1) * height / count);
  char path[512];
  snprintf(path, sizeof path, "%s/band-%d-of-%d.pgm", outdir, band, count);
  FILE *out = fopen(path, "wb");
  if (!out) die("cannot create the output file", strerror(errno));
  fprintf(out, "P5\n%d %d\n255\n", width, y1 - y0);
  unsigned char *row = malloc(width);
  for (int y = y0; y < y1; y++) {
    for (int x = 0; x < width; x++) row[x] = shade(x, y);
    if (fwrite(row, 1, width, out) != (size_t)width) die("cannot write the output file", strerror(errno));
  }
  if (fclose(out) != 0) die("cannot write the output file", strerror(errno));
  free(row);
  printf("rendered rows %d..%d of %dx%d (%d spheres, %d lights) to %s\n", y0, y1 - 1, width, height,
         nspheres, nlights, path);
  return 0;
}
